import Foundation

/// A child process the test steers while it runs (signals, waiting for text on standard error),
/// always bounded: `finish` kills it after its timeout, and `deinit` kills it if still running.
public final class LiveProcess {
    public let process = Process()
    private let errFile: URL
    private let outFile: URL

    public init(_ exe: URL, _ args: [String]) throws {
        process.executableURL = exe
        process.arguments = args
        process.currentDirectoryURL = repositoryRoot
        errFile = FileManager.default.temporaryDirectory.appendingPathComponent("live-err-\(UUID().uuidString)")
        outFile = FileManager.default.temporaryDirectory.appendingPathComponent("live-out-\(UUID().uuidString)")
        _ = FileManager.default.createFile(atPath: errFile.path, contents: nil)
        _ = FileManager.default.createFile(atPath: outFile.path, contents: nil)
        process.standardError = try FileHandle(forWritingTo: errFile)
        process.standardOutput = try FileHandle(forWritingTo: outFile)
        try process.run()
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL); process.waitUntilExit() }
        try? FileManager.default.removeItem(at: errFile)
        try? FileManager.default.removeItem(at: outFile)
    }

    public var pid: Int32 { process.processIdentifier }
    public var stderr: String { (try? String(contentsOf: errFile, encoding: .utf8)) ?? "" }
    public var stdout: String { (try? String(contentsOf: outFile, encoding: .utf8)) ?? "" }

    /// Waits until standard error contains `text` (true) or the process ended / `timeout` passed.
    public func waitFor(_ text: String, timeout: Double) -> Bool {
        let start = Date()
        while Date().timeIntervalSince(start) < timeout {
            if stderr.contains(text) { return true }
            if !process.isRunning { return stderr.contains(text) }
            usleep(10_000)
        }
        return false
    }

    /// Waits for the exit (SIGKILL after `timeout`); returns the status and whether it timed out.
    @discardableResult
    public func finish(timeout: Double) -> (status: Int32, timedOut: Bool) {
        let start = Date()
        while process.isRunning && Date().timeIntervalSince(start) < timeout { usleep(10_000) }
        let timedOut = process.isRunning
        if timedOut { kill(pid, SIGKILL) }
        process.waitUntilExit()
        return (process.terminationStatus, timedOut)
    }
}

/// A busy loop (`sh -c 'while :; do :; done'`) pinned with taskset to `cpu`; stop it with `stop()`
/// (also on deinit).
public final class BusyLoop {
    private let process = Process()
    public init(cpu: Int) throws {
        process.executableURL = URL(fileURLWithPath: "/usr/bin/taskset")
        process.arguments = ["-c", "\(cpu)", "/bin/sh", "-c", "while :; do :; done"]
        try process.run()
    }
    public func stop() {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }
    deinit { stop() }
}
