import Foundation

/// Reads the RAPL package energy counters (powercap), where the kernel exposes them and we
/// may read them (root). On machines without them (virtual machines, this build box) it is nil
/// and energy figures come from the topology's model, labelled as such.
public struct RAPLReader: Sendable {
    public struct Domain: Sendable {
        public var name: String
        public var path: String
        public var maxRangeMicrojoules: UInt64
    }

    public let domains: [Domain]

    public init?(root: String = "/sys/class/powercap") {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: root) else { return nil }
        var found: [Domain] = []
        for e in entries.sorted() where e.hasPrefix("intel-rapl:") && e.split(separator: ":").count == 2 {
            let dir = "\(root)/\(e)"
            let name = (try? String(contentsOfFile: "\(dir)/name", encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? e
            let range = (try? String(contentsOfFile: "\(dir)/max_energy_range_uj", encoding: .utf8)).flatMap { UInt64($0.trimmingCharacters(in: .whitespacesAndNewlines)) } ?? UInt64.max
            if Self.read("\(dir)/energy_uj") != nil { found.append(Domain(name: name, path: "\(dir)/energy_uj", maxRangeMicrojoules: range)) }
        }
        guard !found.isEmpty else { return nil }
        domains = found
    }

    static func read(_ path: String) -> UInt64? {
        (try? String(contentsOfFile: path, encoding: .utf8)).flatMap { UInt64($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
    }

    /// Current counters (µJ), one per domain.
    public func sample() -> [UInt64] { domains.map { Self.read($0.path) ?? 0 } }

    /// Joules between two samples, handling counter wrap-around.
    public func joules(from a: [UInt64], to b: [UInt64]) -> Double {
        var total = 0.0
        for i in domains.indices where i < a.count && i < b.count {
            let d = b[i] >= a[i] ? b[i] - a[i] : (domains[i].maxRangeMicrojoules - a[i]) + b[i]
            total += Double(d) * 1e-6
        }
        return total
    }
}
