/// An activation applied to a vector in a tile's registers (specialised per type): the depthwise
/// tiles fuse it into their stores.
protocol VectorActivation { static func apply(_ v: SIMD16<Float>) -> SIMD16<Float> }
enum NoActivation: VectorActivation {
    @inline(__always) static func apply(_ v: SIMD16<Float>) -> SIMD16<Float> { v }
}
enum ReLUActivation: VectorActivation {
    @inline(__always) static func apply(_ v: SIMD16<Float>) -> SIMD16<Float> { v.replacing(with: 0, where: v .< 0) }
}
enum ReLU6Activation: VectorActivation {
    @inline(__always) static func apply(_ v: SIMD16<Float>) -> SIMD16<Float> {
        let low = v.replacing(with: 0, where: v .< 0)
        return low.replacing(with: 6, where: low .> 6)
    }
}
enum HSwishActivation: VectorActivation {
    @inline(__always) static func apply(_ v: SIMD16<Float>) -> SIMD16<Float> {
        let g = v + 3
        let low = g.replacing(with: 0, where: g .< 0)
        return v * low.replacing(with: 6, where: low .> 6) * (1 / 6 as Float)
    }
}

