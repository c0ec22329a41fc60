import Testing
import Foundation
import DreamCore
import DreamEngine
import DreamSchedulers

/// A crafted heterogeneous scenario on a WS (a0, 3 W) + OS (a1, 2 W) pair: a WS-affine detector,
/// an OS-affine segmenter with a cheaper supernet variant, and a tracker cascaded after the
/// detector. `phases` gives (end ms, rate multiplier) pairs: at rate 1 the offered load is about
/// 0.85 of the pair's capacity (best-accelerator time over two accelerators).
func heterogeneousScenario(phases: [(Int64, Double)] = [(1000, 1), (2000, 1.15)], jitterSeed: UInt64 = 1) -> EngineWorkload {
    let durationMs = phases.last!.0
    let det = stream("detect", period: 7 * ms, (0..<6).map { _ in layer([1 * ms, 5 * ms / 2]) })
    let segBig = VariantDescription(name: "seg-l", accuracy: 0.8, layers: (0..<5).map { _ in layer([5 * ms / 2, 1 * ms]) })
    let segSmall = VariantDescription(name: "seg-s", accuracy: 0.72, layers: (0..<3).map { _ in layer([5 * ms / 2, 1 * ms]) })
    let seg = StreamDescription(name: "segment", periodNs: 8 * ms, variants: [segBig, segSmall])
    let track = stream("track", period: 7 * ms, [layer([1 * ms, 1 * ms]), layer([ms / 2, ms])], upstream: 0)
    var f = FrameList()
    var rng = jitterSeed
    func jitter() -> Int64 { rng = rng &* 6364136223846793005 &+ 1442695040888963407; return Int64(rng >> 40) % (ms / 2) }
    for (s, period) in [(0, 7 * ms), (1, 8 * ms)] {
        var t: Int64 = 0
        while t < durationMs * ms {
            let rate = phases.first { t < $0.0 * ms }?.1 ?? 1
            let p = Int64(Double(period) / rate)
            let id = f.add(stream: s, at: t + jitter(), deadline: period)
            if s == 0 { f.add(stream: 2, at: t, deadline: period, upstream: id) }
            t += p
        }
    }
    f.frames.sort { ($0.releaseNs, $0.id) < ($1.releaseNs, $1.id) }
    // Re-number after sorting (ids must be positions), keeping cascade links.
    var newId = [Int: Int]()
    for (i, fr) in f.frames.enumerated() { newId[fr.id] = i }
    let frames = f.frames.enumerated().map { i, fr in
        FrameDescription(id: i, stream: fr.stream, sequence: fr.sequence, releaseNs: fr.releaseNs, deadlineNs: fr.deadlineNs,
                         upstream: fr.upstream.map { newId[$0]! })
    }
    return EngineWorkload(name: "hetero", streams: [det, seg, track], frames: frames, durationNs: durationMs * ms)
}

@Suite struct ComparisonTests {
    /// DREAM against every baseline on the crafted overloaded heterogeneous case: DREAM's
    /// UXCost is lower than FCFS's (and than every baseline's), and its XRBench score is not lower.
    @Test func dreamBeatsBaselinesOnOverloadedHeterogeneousCase() throws {
        let w = heterogeneousScenario()
        let accs = accelerators([3, 2])
        var results: [String: RunSummary] = [:]
        for name in SchedulerCatalog.names + ["dream-no-drop", "dream-no-tuning", "dream-no-supernet", "dream+drop+supernet"] {
            let s = summary(simulate(w, accs, try SchedulerCatalog.make(name: name)), accs)
            results[name] = s
            print(String(format: "%-20@ uxcost %.3e  E/frame %.4f J  V %.3f  xrbench %.1f  met %d missed %d dropped %d  acc %@",
                         name as NSString, s.uxcost, s.energyPerFrameJ, s.violationRate, s.xrbenchScore, s.met, s.missed, s.dropped,
                         (s.streams.compactMap { $0.meanAccuracy.map { String(format: "%.2f", $0) } }.joined(separator: "/")) as NSString))
        }
        let d = results["dream"]!
        #expect(d.uxcost < results["fcfs"]!.uxcost * 0.7)
        for b in SchedulerCatalog.baselines {
            #expect(d.uxcost < results[b]!.uxcost, "dream vs \(b)")
        }
    }
}
