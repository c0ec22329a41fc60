import DreamCore
import Foundation

/// Marks an output folder while a live run writes into it: `results.incomplete` exists from
/// the run's start until its files are written, and a results.json left from an earlier run is
/// removed at the start. A run killed outright (SIGKILL, power loss) so leaves the marker and no
/// results.json, never an older complete-looking one (each file is also written atomically).
enum RunMarker {
    static let name = "results.incomplete"

    static func begin(_ dir: String, command: String) throws {
        try? FileManager.default.removeItem(atPath: "\(dir)/results.json")
        try AtomicFile.write("run started \(ISO8601DateFormatter().string(from: Date())), pid \(getpid()): \(command)\n", to: "\(dir)/\(name)")
    }

    static func end(_ dir: String) {
        try? FileManager.default.removeItem(atPath: "\(dir)/\(name)")
    }
}
