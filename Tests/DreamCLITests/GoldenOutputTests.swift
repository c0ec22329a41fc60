import Foundation
import Testing
import DreamTestSupport

/// Pins what the simulator writes: `dream compare --mode sim` on four scenarios and every file
/// of `dream sim --out`, against tests/golden. A refactor must leave them byte-identical (the
/// measured decision and dispatch times, which vary run to run, and the host's name are left out; JSON is compared
/// with sorted keys). A change of behaviour regenerates them on purpose:
/// `DREAM_UPDATE_GOLDEN=1 swift test --filter GoldenOutputTests`, and says why in its commit.
@Suite(.serialized) struct GoldenOutputTests {
    static let folder = repositoryRoot.appendingPathComponent("tests/golden")
    static let updating = ProcessInfo.processInfo.environment["DREAM_UPDATE_GOLDEN"] == "1"

    @Test func simulatedComparisonOfFourScenarios() throws {
        let out = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: out) }
        let json = out.appendingPathComponent("compare.json")
        let r = try runProcess(try dreamExecutable(), ["compare", "--mode", "sim", "--scenarios", "ar-dynamic,ar-gaming,social-a,vr-gaming",
                                                       "--topology", "dual-ws-os", "--schedulers", "all", "--seeds", "2",
                                                       "--loads", "1.0", "--duration", "2", "--json", json.path], timeout: 600)
        #expect(r.status == 0, "stderr: \(r.stderr)")
        try check(json, as: "compare.json")
    }

    @Test func simulatedRunFiles() throws {
        let out = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: out) }
        // With the tuner (off in `dream`), so that tuning.csv is pinned too; `dream` itself is in
        // the comparison above.
        let r = try runProcess(try dreamExecutable(), ["sim", "--scenario", "ar-dynamic", "--topology", "dual-ws-os", "--scheduler", "dream-with-tuning",
                                                       "--duration", "2", "--seed", "7", "--out", out.path], timeout: 300)
        #expect(r.status == 0, "stderr: \(r.stderr)")
        for file in ["results.json", "frames.csv", "tuning.csv"] {
            try check(out.appendingPathComponent(file), as: "sim-" + file)
        }
        // The trace is large (about 2 MB): its digest is pinned, not its text.
        try check(out.appendingPathComponent("trace.json"), as: "sim-trace.json.digest", digest: true)
    }

    /// Compares `file` (normalised) with tests/golden/`name`, or writes it when updating.
    private func check(_ file: URL, as name: String, digest: Bool = false) throws {
        var actual = try normalised(file)
        if digest { actual = Data(Self.digest(actual).utf8) }
        let golden = Self.folder.appendingPathComponent(name)
        if Self.updating {
            try actual.write(to: golden)
            return
        }
        let expected = try Data(contentsOf: golden)
        #expect(actual == expected, "\(name) differs from tests/golden/\(name): \(firstDifference(actual, expected))")
    }

    /// JSON with sorted keys and without the measured timing keys; other files as they are.
    private func normalised(_ file: URL) throws -> Data {
        let data = try Data(contentsOf: file)
        guard file.pathExtension == "json" else { return data }
        let object = try JSONSerialization.jsonObject(with: data)
        return try JSONSerialization.data(withJSONObject: withoutTimings(object), options: [.sortedKeys, .prettyPrinted])
    }

    private func withoutTimings(_ value: Any) -> Any {
        if let dict = value as? [String: Any] {
            var kept: [String: Any] = [:]
            // The machine note names the host (a synthetic one when it has too few CPUs): not an output of the code.
            for (k, v) in dict where !(k.hasPrefix("decision_us") || k.hasPrefix("dispatch_us") || k == "machine") { kept[k] = withoutTimings(v) }
            return kept
        }
        if let array = value as? [Any] { return array.map(withoutTimings) }
        return value
    }

    /// FNV-1a (64 bits) and the length: enough to tell a changed file from the same one.
    static func digest(_ data: Data) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in data { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return String(format: "fnv1a64 %016llx bytes %d\n", hash, data.count)
    }

    private func firstDifference(_ a: Data, _ b: Data) -> String {
        let la = String(decoding: a, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        let lb = String(decoding: b, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        for i in 0..<max(la.count, lb.count) where i >= la.count || i >= lb.count || la[i] != lb[i] {
            return "line \(i + 1): got `\(i < la.count ? String(la[i]) : "<end>")`, expected `\(i < lb.count ? String(lb[i]) : "<end>")`"
        }
        return "same lines"
    }
}
