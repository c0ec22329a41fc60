import DreamCore
@testable import DreamKernels

/// Straightforward loops in Double: the definition every kernel and dataflow is checked against.
enum NaiveReference {
    static func run(_ spec: LayerSpec, weights: [Float], bias: [Float], input: [Float],
                    residual: [Float]?) -> [Float] {
        var out = [Float](repeating: 0, count: spec.outputElements)
        switch spec.op {
        case .conv:
            let cg = spec.inChannels / spec.groups, kg = spec.outChannels / spec.groups
            let (oh, ow) = (spec.outHeight, spec.outWidth)
            for k in 0..<spec.outChannels {
                let g = k / kg
                for y in 0..<oh {
                    for x in 0..<ow {
                        var acc = Double(bias[k])
                        for c in 0..<cg {
                            for r in 0..<spec.kernelH {
                                for s in 0..<spec.kernelW {
                                    let ih = y * spec.strideH - spec.padH + r
                                    let iw = x * spec.strideW - spec.padW + s
                                    if ih < 0 || ih >= spec.inHeight || iw < 0 || iw >= spec.inWidth { continue }
                                    let v = input[((g * cg + c) * spec.inHeight + ih) * spec.inWidth + iw]
                                    let wt = weights[((k * cg + c) * spec.kernelH + r) * spec.kernelW + s]
                                    acc += Double(v) * Double(wt)
                                }
                            }
                        }
                        out[(k * oh + y) * ow + x] = Float(acc)
                    }
                }
            }
        case .gemm:
            let (m, n, kk) = (spec.gemmM, spec.gemmN, spec.gemmK)
            for i in 0..<m {
                for j in 0..<n {
                    var acc = Double(bias[j])
                    for p in 0..<kk { acc += Double(input[i * kk + p]) * Double(weights[p * n + j]) }
                    out[i * n + j] = Float(acc)
                }
            }
        case .maxpool, .avgpool:
            let (oh, ow) = (spec.outHeight, spec.outWidth)
            for c in 0..<spec.inChannels {
                for y in 0..<oh {
                    for x in 0..<ow {
                        var best = -Double.infinity, sum = 0.0
                        for r in 0..<spec.kernelH {
                            for s in 0..<spec.kernelW {
                                let ih = y * spec.strideH - spec.padH + r
                                let iw = x * spec.strideW - spec.padW + s
                                if ih < 0 || ih >= spec.inHeight || iw < 0 || iw >= spec.inWidth { continue }
                                let v = Double(input[(c * spec.inHeight + ih) * spec.inWidth + iw])
                                best = max(best, v)
                                sum += v
                            }
                        }
                        let value = spec.op == .maxpool ? best : sum / Double(spec.kernelH * spec.kernelW)
                        out[(c * oh + y) * ow + x] = Float(value)
                    }
                }
            }
            return out.map { Epilogue.reference($0, spec.activation) }
        case .add:
            return zip(input, residual!).map { Epilogue.reference($0 + $1, spec.activation) }
        }
        if let residual { for i in out.indices { out[i] += residual[i] } }
        return out.map { Epilogue.reference($0, spec.activation) }
    }

    static func random(_ count: Int, seed: UInt64) -> [Float] {
        var rng = SplitMix64(seed: seed)
        return (0..<count).map { _ in rng.nextSigned() }
    }

    /// Largest error relative to max(1, |expected|).
    static func maxError(_ got: [Float], _ expected: [Float]) -> Float {
        var worst: Float = 0
        for (a, b) in zip(got, expected) {
            // A NaN (an output never written: `check` fills the output with NaN) must fail;
            // max(worst, .nan) would return worst and hide it.
            let error = abs(a - b) / max(1, abs(b))
            if error.isNaN { return .infinity }
            worst = max(worst, error)
        }
        return got.count == expected.count ? worst : .infinity
    }
}
