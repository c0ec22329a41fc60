import Foundation
import Testing

/// The repository checkout (for DREAM_HOME and the shipped files).
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// The `dream` binary next to the test bundle.
func dreamExecutable() throws -> URL {
    var dir = Bundle.main.bundleURL
    for _ in 0..<4 {
        let candidate = dir.appendingPathComponent("dream")
        if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        dir.deleteLastPathComponent()
    }
    struct Missing: Error, CustomStringConvertible {
        var description: String { "the dream binary was not found next to the test bundle: build it (swift build) before the tests" }
    }
    throw Missing()
}

struct Outcome {
    var status: Int32
    var stdout: String
    var stderr: String
    var timedOut: Bool
    /// Terminated by a signal (a trap is SIGILL / SIGTRAP) rather than by exit().
    var signalled: Bool
}

/// Collects a pipe's bytes on a thread of its own (so neither pipe can fill up and block the child).
final class PipeReader: @unchecked Sendable {
    private let lock = NSLock()
    private var data = Data()
    private let done = DispatchSemaphore(value: 0)

    init(_ pipe: Pipe) {
        let handle = pipe.fileHandleForReading
        Thread.detachNewThread { [self] in
            let d = handle.readDataToEndOfFile()
            lock.lock(); data = d; lock.unlock()
            done.signal()
        }
    }

    func text(timeout: DispatchTime) -> String {
        _ = done.wait(timeout: timeout)
        lock.lock(); defer { lock.unlock() }
        return String(decoding: data, as: UTF8.self)
    }
}

/// Runs `dream ARGS` in `directory` with a time limit; a process still running at the limit is
/// killed and reported as timed out (a hang).
func runDream(_ args: [String], in directory: URL, timeout: TimeInterval = 120, env: [String: String] = [:]) throws -> Outcome {
    let p = Process()
    p.executableURL = try dreamExecutable()
    p.arguments = args
    var environment = ProcessInfo.processInfo.environment
    environment["DREAM_HOME"] = repositoryRoot.path
    environment["SWIFT_BACKTRACE"] = "enable=no"   // a crash must still be caught: by its status
    for (k, v) in env { environment[k] = v }
    p.environment = environment
    p.currentDirectoryURL = directory
    let out = Pipe(), err = Pipe()
    p.standardOutput = out
    p.standardError = err
    p.standardInput = FileHandle.nullDevice
    let outReader = PipeReader(out), errReader = PipeReader(err)
    try p.run()
    let deadline = Date().addingTimeInterval(timeout)
    var timedOut = false
    while p.isRunning {
        if Date() > deadline {
            timedOut = true
            kill(p.processIdentifier, SIGKILL)
            break
        }
        usleep(10_000)
    }
    p.waitUntilExit()
    let limit = DispatchTime.now() + 10
    return Outcome(status: p.terminationStatus, stdout: outReader.text(timeout: limit), stderr: errReader.text(timeout: limit),
                   timedOut: timedOut, signalled: p.terminationReason == .uncaughtSignal)
}

/// A fresh scratch folder, removed by `cleanup()`.
struct Scratch {
    let url: URL

    init(_ label: String) throws {
        let safe = label.map { $0.isLetter || $0.isNumber ? $0 : "-" }
        url = FileManager.default.temporaryDirectory
            .appendingPathComponent("dream-reliability-\(String(safe).prefix(40))-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    func path(_ relative: String) -> String { url.appendingPathComponent(relative).path }

    func write(_ relative: String, _ bytes: Data) throws {
        let target = url.appendingPathComponent(relative)
        try FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
        try bytes.write(to: target)
    }

    func write(_ relative: String, _ text: String) throws { try write(relative, Data(text.utf8)) }

    func makeDirectory(_ relative: String) throws {
        try FileManager.default.createDirectory(at: url.appendingPathComponent(relative), withIntermediateDirectories: true)
    }

    /// Every regular file under the folder (relative paths), to detect partial outputs.
    func files() -> Set<String> {
        var out = Set<String>()
        guard let e = FileManager.default.enumerator(at: url, includingPropertiesForKeys: [.isRegularFileKey]) else { return out }
        for case let f as URL in e where (try? f.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true {
            out.insert(String(f.path.dropFirst(url.path.count + 1)))
        }
        return out
    }

    func cleanup() { try? FileManager.default.removeItem(at: url) }
}
