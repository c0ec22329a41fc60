import DreamCore
import DreamKernels
import Foundation

// A measuring server for bench/run: reads one request per line, answers one line, so the driver
// can interleave it with its numpy reference in the same run.
//   rate CASE DATAFLOW SECONDS  -> "gflops X"   (best repetition, one thread)
//   team CASE DATAFLOW SECONDS THREADS -> "gflops X" (split over a KernelTeam)
//   work CASE DATAFLOW                 -> "work macs=.. l1=.. l2=.. llc=.. dram=.." (bytes)
//   copy BYTES SECONDS          -> "gbps X"     (memcpy read+write bandwidth at that size)
//   read BYTES SECONDS          -> "gbps X"     (read-only stream bandwidth at that size)
//   isa                         -> "isa PATH host=H build=B" (the micro-kernel tiles in use)
// Each answer is flushed (see `answer`): the driver waits for it line by line.

func answer(_ text: String) {
    print(text)
    fflush(nil)
}

func now() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_MONOTONIC, &t)
    return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
}

/// Best time of repeated calls within about `seconds`.
func bestTime(seconds: Double, _ body: () -> Void) -> Double {
    body()
    var best = Double.infinity
    let end = now() + seconds
    var runs = 0
    while now() < end || runs < 3 {
        let t0 = now()
        body()
        best = min(best, now() - t0)
        runs += 1
    }
    return best
}

func rate(_ spec: LayerSpec, _ dataflow: Dataflow, seconds: Double) -> Double {
    let layer = PreparedLayer(spec: spec, dataflow: dataflow)
    let input = UnsafeMutablePointer<Float>.allocate(capacity: max(1, spec.inputElements))
    let output = UnsafeMutablePointer<Float>.allocate(capacity: max(1, spec.outputElements))
    var rng = SplitMix64(seed: 7)
    for i in 0..<spec.inputElements { input[i] = rng.nextSigned() }
    defer { input.deallocate(); output.deallocate() }
    let t = bestTime(seconds: seconds) {
        _ = layer.run(input: input, residual: nil, output: output)
    }
    return Double(spec.flops) / t / 1e9
}

/// The layer split over a `KernelTeam` of `threads` persistent threads (one partition each).
func teamRate(_ spec: LayerSpec, _ dataflow: Dataflow, threads: Int, seconds: Double) -> Double {
    let layer = PreparedLayer(spec: spec, dataflow: dataflow, partitions: threads)
    let input = UnsafeMutablePointer<Float>.allocate(capacity: max(1, spec.inputElements))
    let output = UnsafeMutablePointer<Float>.allocate(capacity: max(1, spec.outputElements))
    var rng = SplitMix64(seed: 7)
    for i in 0..<spec.inputElements { input[i] = rng.nextSigned() }
    defer { input.deallocate(); output.deallocate() }
    let team = KernelTeam(threads: threads)
    let t = bestTime(seconds: seconds) {
        _ = team.run(layer, input: input, residual: nil, output: output)
    }
    team.shutdown()
    return Double(spec.flops) / t / 1e9
}

/// A read-only stream over `bytes`: 8 independent SIMD4 sums (this target is built for
/// baseline x86-64: 16 xmm registers, no spills), what a weight-streaming kernel can read at.
func readRate(bytes: Int, seconds: Double) -> Double {
    let n = max(32, bytes / 4 / 32 * 32)
    let a = UnsafeMutablePointer<Float>.allocate(capacity: n)
    a.initialize(repeating: 1, count: n)
    defer { a.deallocate() }
    var sink: Float = 0
    let t = bestTime(seconds: seconds) {
        let p = UnsafeRawPointer(a)
        var s0 = SIMD4<Float>(), s1 = s0, s2 = s0, s3 = s0, s4 = s0, s5 = s0, s6 = s0, s7 = s0
        var i = 0
        while i < n {
            let q = p + 4 * i
            s0 += q.load(as: SIMD4<Float>.self); s1 += q.load(fromByteOffset: 16, as: SIMD4<Float>.self)
            s2 += q.load(fromByteOffset: 32, as: SIMD4<Float>.self); s3 += q.load(fromByteOffset: 48, as: SIMD4<Float>.self)
            s4 += q.load(fromByteOffset: 64, as: SIMD4<Float>.self); s5 += q.load(fromByteOffset: 80, as: SIMD4<Float>.self)
            s6 += q.load(fromByteOffset: 96, as: SIMD4<Float>.self); s7 += q.load(fromByteOffset: 112, as: SIMD4<Float>.self)
            i += 32
        }
        sink += (s0 + s1 + s2 + s3 + s4 + s5 + s6 + s7).sum()
    }
    if sink == -1 { print("") }
    return Double(4 * n) / t / 1e9
}

func copyRate(bytes: Int, seconds: Double) -> Double {
    let a = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64)
    let b = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64)
    memset(a, 1, bytes)
    defer { a.deallocate(); b.deallocate() }
    let t = bestTime(seconds: seconds) { memcpy(b, a, bytes) }
    return Double(2 * bytes) / t / 1e9
}

while let line = readLine() {
    let words = line.split(separator: " ").map(String.init)
    switch words.first {
    case "rate" where words.count == 4:
        guard let spec = BenchCases.layer(words[1]), let dataflow = Dataflow(rawValue: words[2]),
              let seconds = Double(words[3]) else { answer("error unknown case \(line)"); continue }
        answer("gflops \(rate(spec, dataflow, seconds: seconds))")
    case "team" where words.count == 5:
        guard let spec = BenchCases.layer(words[1]), let dataflow = Dataflow(rawValue: words[2]),
              let seconds = Double(words[3]), let threads = Int(words[4]) else { answer("error unknown case \(line)"); continue }
        answer("gflops \(teamRate(spec, dataflow, threads: threads, seconds: seconds))")
    case "work" where words.count == 3:
        guard let spec = BenchCases.layer(words[1]), let dataflow = Dataflow(rawValue: words[2]) else {
            answer("error unknown case \(line)"); continue
        }
        let layer = PreparedLayer(spec: spec, dataflow: dataflow)
        let input = [Float](repeating: 0.5, count: spec.inputElements)
        var output = [Float](repeating: 0, count: spec.outputElements)
        let w = input.withUnsafeBufferPointer { i in
            output.withUnsafeMutableBufferPointer { layer.run(input: i.baseAddress!, residual: nil, output: $0.baseAddress!) }
        }
        answer("work macs=\(w.macs) l1=\(w.l1) l2=\(w.l2) llc=\(w.llc) dram=\(w.dram)")
    case "copy" where words.count == 3:
        answer("gbps \(copyRate(bytes: Int(words[1]) ?? 1 << 20, seconds: Double(words[2]) ?? 0.2))")
    case "read" where words.count == 3:
        answer("gbps \(readRate(bytes: Int(words[1]) ?? 1 << 20, seconds: Double(words[2]) ?? 0.2))")
    case "isa" where words.count == 1:
        answer("isa \(KernelISA.selected.rawValue) host=\(KernelISA.host.rawValue) build=\(KernelISA.compiledMax.rawValue)")
    case "flops" where words.count == 2:
        guard let spec = BenchCases.layer(words[1]) else { answer("error unknown case"); continue }
        answer("flops \(spec.flops) bytes \(spec.compulsoryBytes)")
    default:
        answer("error bad request \(line)")
    }
}
