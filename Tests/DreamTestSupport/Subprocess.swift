import Foundation

/// The repository root (tests run from anywhere).
public let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

public struct MissingExecutable: Error, CustomStringConvertible {
    public var description: String { "the `dream` executable was not found next to the test bundle: build it first (`swift build`)" }
}

/// The `dream` binary built next to the test bundle.
public func dreamExecutable() throws -> URL {
    var dir = Bundle.main.bundleURL
    for _ in 0..<4 {
        let candidate = dir.appendingPathComponent("dream")
        if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        dir.deleteLastPathComponent()
    }
    throw MissingExecutable()
}

public struct ProcessOutput: Sendable {
    public var status: Int32
    public var stdout: String
    public var stderr: String
    public var timedOut: Bool
}

/// Runs `exe` with `args` from the repository root, killing it after `timeout` seconds.
/// `signalAfter` sends SIGINT (or `signal`) after that many seconds.
/// `signalWhen` sends it once standard error contains that text (then `signalAfter` more seconds).
public func runProcess(_ exe: URL, _ args: [String], env: [String: String] = [:], timeout: Double = 120,
                       signalAfter: Double? = nil, signalWhen: String? = nil, signal: Int32 = SIGINT) throws -> ProcessOutput {
    let p = Process()
    p.executableURL = exe
    p.arguments = args
    var environment = ProcessInfo.processInfo.environment
    for (k, v) in env { environment[k] = v }
    p.environment = environment
    p.currentDirectoryURL = repositoryRoot
    let outFile = FileManager.default.temporaryDirectory.appendingPathComponent("dream-out-\(UUID().uuidString)")
    let errFile = FileManager.default.temporaryDirectory.appendingPathComponent("dream-err-\(UUID().uuidString)")
    FileManager.default.createFile(atPath: outFile.path, contents: nil)
    FileManager.default.createFile(atPath: errFile.path, contents: nil)
    defer { try? FileManager.default.removeItem(at: outFile); try? FileManager.default.removeItem(at: errFile) }
    p.standardOutput = try FileHandle(forWritingTo: outFile)
    p.standardError = try FileHandle(forWritingTo: errFile)
    try p.run()
    let start = Date()
    var signalled = false
    var timedOut = false
    var armedAt: Date? = signalWhen == nil ? start : nil
    while p.isRunning {
        let elapsed = Date().timeIntervalSince(start)
        if armedAt == nil, let text = signalWhen, ((try? String(contentsOf: errFile, encoding: .utf8)) ?? "").contains(text) { armedAt = Date() }
        if let s = signalAfter, let armed = armedAt, !signalled, Date().timeIntervalSince(armed) >= s {
            kill(p.processIdentifier, signal)
            signalled = true
        }
        if elapsed > timeout { p.terminate(); timedOut = true; break }
        usleep(20_000)
    }
    p.waitUntilExit()
    let out = (try? String(contentsOf: outFile, encoding: .utf8)) ?? ""
    let err = (try? String(contentsOf: errFile, encoding: .utf8)) ?? ""
    return ProcessOutput(status: p.terminationStatus, stdout: out, stderr: err, timedOut: timedOut)
}

/// A fresh temporary folder.
public func temporaryFolder(_ name: String = "dream-test") throws -> URL {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("\(name)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    return dir
}
