import Foundation
import Testing
import DreamCore
import DreamEngine
import DreamWorkloads
@testable import DreamSession

private let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

private let pair: [ResolvedAccelerator] = [Dataflow.ws, .os].enumerated().map { i, d in
    ResolvedAccelerator(index: i, name: "a\(i)", dataflow: d, cores: [i], cpus: [i], numaNode: 0)
}

/// Every layer shape of `workload` priced by the analytic roofline, as a probe would tabulate it.
private func probeTable(_ workload: EngineWorkload) -> MeasuredCostModel {
    var table: [LayerShapeKey: [Double]] = [:]
    for layer in workload.streams.flatMap({ $0.variants.flatMap(\.layers) }) {
        table[LayerShapeKey(layer)] = pair.map { AnalyticCostModel().cost(of: layer, on: $0).latencyNs }
    }
    return MeasuredCostModel(latencies: table)
}

@Suite struct LiveFitCheckTests {
    /// A machine whose blocks run 1.25x (a0) and 1.1x (a1) their probed time live, as the
    /// eighth pass's live cells did (1.17-1.19x): fitted on the probes alone the scenario offers
    /// more than the load asked for there; the reference runs' factors stretch the probes, and
    /// the second fit offers the target at the true speed, after one refit (the second
    /// reference run finds the blocks within 5% and stops).
    @Test func referenceRunsBringTheLiveLoadToTheTarget() throws {
        let spec = try ScenarioSpec.load(root.appendingPathComponent("workloads/scenarios/ar-dynamic.yaml").path)
        let options = WorkloadOptions(seed: 1, duration: 10, targetLoad: 1.0)
        let truth = [1.25, 1.1]
        let probed = { (scale: WorkloadScale, stretch: [Double]) throws -> MeasuredCostModel in
            probeTable(EngineWorkload(trace: try options.trace(spec, scale: scale))).stretched(by: stretch)
        }
        let fit = { (stretch: [Double]) throws -> FitOutcome in
            try options.fitScale(spec, accelerators: pair, costs: AnalyticCostModel(), probe: { try probed($0, stretch) })
        }
        let first = try fit([1, 1])
        let trueLoad = { (f: FitOutcome) throws -> Double in f.fit!.measured(spec, accelerators: pair, costs: try probed(f.scale, truth)).load }
        let unstretched = try trueLoad(first)
        #expect(unstretched > 1.12, "the probes alone underestimate the live load: \(unstretched)")
        var runs = 0
        // What a reference run on that machine measures: true block time over the fit's estimate.
        let (corrected, stretch) = try LiveFitCheck.corrected(first, fit: fit, slowdown: { f in
            runs += 1
            let real = try probed(f.scale, truth), estimate = f.measured!
            let key = estimate.latencies.keys.first!
            return ((0..<pair.count).map { real.latencies[key]![$0] / estimate.latencies[key]![$0] }, 10)
        })
        #expect(runs == 2)
        #expect(zip(stretch, truth).allSatisfy { abs($0 / $1 - 1) < 1e-9 }, "stretch \(stretch)")
        let live = try trueLoad(corrected)
        // Within the fit's own tolerance for the load (5%).
        #expect(abs(live - 1) <= 0.05, "live load \(live), unstretched \(unstretched)")
        #expect(abs(corrected.fit!.load - live) < 1e-9, "the fit's own load is the live one")
    }

    /// A reference run cut short (a stop signal) corrects nothing: the probes' fit is kept.
    @Test func aRunCutShortKeepsTheProbedFit() throws {
        let first = FitOutcome(scale: WorkloadScale(time: 1, work: 0.5))
        var refits = 0
        let (kept, stretch) = LiveFitCheck.corrected(first, fit: { _ in refits += 1; return first }, slowdown: { _ in nil })
        #expect(kept.scale == first.scale && stretch.isEmpty && refits == 0)
    }

    /// A probe taken while the host stalled (every layer priced 3x) puts a model past its
    /// deadline alone: the fit is probed again and the sound one kept; a model past its deadline
    /// on every probe is reported as an `InfeasibleLiveFit` naming it, after two more probes.
    @Test func aStalledProbeIsProbedAgainAndAModelInfeasibleOnEveryProbeIsNamed() throws {
        let spec = try ScenarioSpec.load(root.appendingPathComponent("workloads/scenarios/ar-dynamic.yaml").path)
        let options = WorkloadOptions(seed: 1, duration: 10, targetLoad: 1.0)
        let sound = try options.fitScale(spec, accelerators: pair, costs: AnalyticCostModel(), probe: { scale in
            probeTable(EngineWorkload(trace: try options.trace(spec, scale: scale)))
        })
        let stalled = FitOutcome(scale: sound.scale, fit: sound.fit, measured: sound.measured!.stretched(by: [3, 3]))
        let check = { (f: FitOutcome) in options.infeasibleLiveFit(spec, f, on: pair) }
        #expect(check(sound) == nil, "the sound fit is feasible")
        var probes = 0
        let kept = try LiveFitCheck.feasible(probed: { probes += 1; return probes == 1 ? stalled : sound }, check: check)
        #expect(probes == 2 && kept.measured!.latencies == sound.measured!.latencies)

        probes = 0
        do {
            _ = try LiveFitCheck.feasible(probed: { probes += 1; return stalled }, check: check)
            Issue.record("a fit infeasible on every probe must throw")
        } catch let failed as InfeasibleLiveFit {
            #expect(probes == 1 + LiveFitCheck.feasibilityRetries)
            #expect(!failed.models.isEmpty && failed.models.allSatisfy { m in spec.streams.contains { $0.name == m } })
            #expect(failed.infeasibility.count == failed.models.count)
            #expect(failed.infeasibility.allSatisfy { $0.scenario == spec.name && $0.load == 1.0 && $0.reason.contains("live fit") })
            #expect("\(failed.error)".contains(failed.models[0]), "the message names the model: \(failed.error)")
        }
    }

    /// Latencies scale per accelerator; busy energy follows the measured time; shapes never
    /// measured keep the fallback's price.
    @Test func stretchedScalesEachAcceleratorsLatencies() {
        let measured = LayerSpec(name: "m", op: .conv, inChannels: 64, inHeight: 14, inWidth: 14, outChannels: 64, kernelH: 3, kernelW: 3, padH: 1, padW: 1)
        let other = LayerSpec(name: "o", op: .gemm, inChannels: 32, inHeight: 32, inWidth: 1, outChannels: 32)
        let model = MeasuredCostModel(latencies: [LayerShapeKey(measured): [1_000, 2_000]])
        let s = model.stretched(by: [1.5, 0.5])
        #expect(s.cost(of: measured, on: pair[0]).latencyNs == 1_500 && s.cost(of: measured, on: pair[1]).latencyNs == 1_000)
        #expect(s.cost(of: measured, on: pair[0]).energyJ > model.cost(of: measured, on: pair[0]).energyJ)
        #expect(s.cost(of: other, on: pair[1]).latencyNs == model.cost(of: other, on: pair[1]).latencyNs)
    }
}
