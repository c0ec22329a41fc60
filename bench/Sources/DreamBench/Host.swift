import Benchmark
import Foundation

/// Runs registered ordo-one `Benchmark`s in this process and hands back their results.
///
/// `BenchmarkRunner` normally talks to the `swift package benchmark` plugin over two pipes
/// (length-prefixed JSON). Here a host thread of ours plays the plugin: it asks for one
/// benchmark, waits (blocked in `read`, so it allocates nothing while the runner measures) for
/// its results and the end marker, reports them, then asks for the next. The runner measures
/// with its own clock, percentiles and malloc-interposer counts.
enum BenchmarkHost {
    static func run(_ benchmarks: [Benchmark], report: @escaping (Benchmark, [BenchmarkResult]) -> Void) async throws {
        var request: [Int32] = [0, 0], reply: [Int32] = [0, 0]
        guard pipe(&request) == 0, pipe(&reply) == 0 else { throw HostError.io("pipe") }
        let done = DispatchSemaphore(value: 0)
        let requestWrite = request[1], replyRead = reply[0]
        let host = Thread {
            defer { done.signal() }
            do {
                for b in benchmarks {
                    try send(.run(benchmark: b), to: requestWrite)
                    reading: while true {
                        switch try receive(from: replyRead) {
                        case .result(_, let results): report(b, results)
                        case .error(let text):
                            FileHandle.standardError.write("benchmark \(b.name) failed: \(text)\n".data(using: .utf8)!)
                            return
                        case .end: break reading
                        default: continue
                        }
                    }
                }
                try send(.end, to: requestWrite)
            } catch {
                FileHandle.standardError.write("benchmark host: \(error)\n".data(using: .utf8)!)
                try? send(.end, to: requestWrite)
            }
        }
        host.start()
        var runner = try BenchmarkRunner.parse(["--input-fd", "\(request[0])", "--output-fd", "\(reply[1])",
                                                 "--quiet", "true"])
        try await runner.run()
        done.wait()
        for fd in request + reply { close(fd) }
    }

    enum HostError: Error { case io(String) }

    private static func send(_ r: BenchmarkCommandRequest, to fd: Int32) throws {
        let data = try JSONEncoder().encode(r)
        var count = data.count
        try withUnsafeBytes(of: &count) { try writeAll(fd, $0) }
        try data.withUnsafeBytes { try writeAll(fd, $0) }
    }

    private static func receive(from fd: Int32) throws -> BenchmarkCommandReply {
        var count = 0
        try withUnsafeMutableBytes(of: &count) { try readAll(fd, $0) }
        var bytes = [UInt8](repeating: 0, count: count)
        try bytes.withUnsafeMutableBytes { try readAll(fd, $0) }
        return try JSONDecoder().decode(BenchmarkCommandReply.self, from: Data(bytes))
    }

    private static func writeAll(_ fd: Int32, _ buffer: UnsafeRawBufferPointer) throws {
        var done = 0
        while done < buffer.count {
            let n = write(fd, buffer.baseAddress! + done, buffer.count - done)
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw HostError.io("write") }
            done += n
        }
    }

    private static func readAll(_ fd: Int32, _ buffer: UnsafeMutableRawBufferPointer) throws {
        var done = 0
        while done < buffer.count {
            let n = read(fd, buffer.baseAddress! + done, buffer.count - done)
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw HostError.io("read") }
            done += n
        }
    }
}

/// Percentiles of raw samples (nearest rank), for the live and simulator suites.
struct Sample {
    var sorted: [Int64]
    init(_ values: [Int64]) { sorted = values.sorted() }
    func percentile(_ p: Double) -> Int64 {
        guard !sorted.isEmpty else { return 0 }
        let rank = Int((p / 100 * Double(sorted.count)).rounded(.up)) - 1
        return sorted[min(max(rank, 0), sorted.count - 1)]
    }
    var count: Int { sorted.count }
}

func us(_ ns: Int64) -> String { String(format: "%.1f", Double(ns) / 1000) }
func us(_ ns: Int) -> String { us(Int64(ns)) }
func fmt(_ x: Double, _ digits: Int = 2) -> String { String(format: "%.\(digits)f", x) }

func monotonicNs() -> UInt64 {
    var t = timespec()
    clock_gettime(CLOCK_MONOTONIC, &t)
    return UInt64(t.tv_sec) * 1_000_000_000 + UInt64(t.tv_nsec)
}

func emit(_ line: String) {
    print(line)
    fflush(stdout)
}

func note(_ line: String) {
    FileHandle.standardError.write((line + "\n").data(using: .utf8)!)
}

func env(_ name: String, _ fallback: Double) -> Double {
    ProcessInfo.processInfo.environment[name].flatMap(Double.init) ?? fallback
}
