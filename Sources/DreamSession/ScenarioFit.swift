import DreamCore
import DreamEngine
import DreamWorkloads
import Foundation

/// What fitting a scenario gave.
public struct FitOutcome: Sendable {
    public var scale: WorkloadScale
    /// The work fit (nil for explicit or time-fitted scales).
    public var fit: WorkFit?
    /// The kernels measured at the final scale (live runs).
    public var measured: MeasuredCostModel?
    /// The capacity of a time fit, GFLOP/s.
    public var capacityGFLOPs: Double?

    public init(scale: WorkloadScale, fit: WorkFit? = nil, measured: MeasuredCostModel? = nil, capacityGFLOPs: Double? = nil) {
        self.scale = scale
        self.fit = fit
        self.measured = measured
        self.capacityGFLOPs = capacityGFLOPs
    }

    /// One line for the log.
    public var summary: String {
        if let fit {
            let models = fit.streams.map { String(format: "%@ %.2f/%.2f ms", $0.name as NSString, $0.aloneMs, $0.deadlineMs) }.joined(separator: ", ")
            return String(format: "time scale 1, work fitted to load %.2f (target %.2f); alone/deadline: %@", fit.load, fit.targetLoad, models)
        }
        return "\(scale)" + (capacityGFLOPs.map { String(format: " (time fitted: capacity %.1f GFLOP/s)", $0) } ?? "")
    }
}

extension WorkloadOptions {
    /// The mix of `mix`.
    public func workMix(_ spec: ScenarioSpec) throws -> WorkFit.Mix {
        switch mix {
        case .equal: return .equal
        case .xrbench: return try XRBenchMix.weights(spec, hardware: mixHardware, costs: mixCosts)
        }
    }

    /// The final scale and, when fitted, the fit. `costs` prices layers (the simulator's
    /// model, or the analytic fallback of a live run); `probe` measures the kernels at a scale
    /// (live runs), and the fit is then corrected by measured / modelled latency per model (alone
    /// and shared) until every model's alone time agrees within 10% and the load within 5% of the
    /// target (at most four probes); the last probe is returned as `measured`.
    public func fitScale(_ spec: ScenarioSpec, accelerators: [ResolvedAccelerator], costs: CostModel,
                         probe: ((WorkloadScale) throws -> MeasuredCostModel)? = nil) throws -> FitOutcome {
        let base = WorkloadScale(time: timeScale ?? 1, work: workScale ?? 1)
        try base.validate()
        switch fitting {
        case .none:
            return FitOutcome(scale: base, fit: nil, measured: try probe?(base))
        case .time:
            // A given work scale: the time scale that offers `targetLoad` x the capacity.
            var measured: MeasuredCostModel?
            let probeTrace = try trace(spec, scale: base)
            if let probe { measured = try probe(base) }
            let cap = MeasuredCostModel.capacityGFLOPs(of: EngineWorkload(trace: probeTrace), accelerators: accelerators, model: measured ?? costs)
            let fitted = try WorkloadScale.fit(capacityGFLOPs: cap, targetLoad: targetLoad, axis: .time) { s in
                try trace(spec, scale: WorkloadScale(time: s.time, work: base.work)).offeredGFLOPs
            }
            return FitOutcome(scale: WorkloadScale(time: fitted.time, work: base.work), fit: nil, measured: measured, capacityGFLOPs: cap)
        case .work:
            return try fitWork(spec, accelerators: accelerators, costs: costs, probe: probe)
        }
    }

    private func fitWork(_ spec: ScenarioSpec, accelerators: [ResolvedAccelerator], costs: CostModel,
                         probe: ((WorkloadScale) throws -> MeasuredCostModel)?) throws -> FitOutcome {
        let mix = try workMix(spec)
        var correction: [String: Double] = [:], sharedCorrection: [String: Double] = [:]
        var fitted = try WorkFit.fit(spec, seed: seed, targetLoad: targetLoad, accelerators: accelerators, costs: costs, mix: mix)
        guard let probe else { return FitOutcome(scale: fitted.scale, fit: fitted, measured: nil) }
        var measured: MeasuredCostModel!
        for round in 1...4 {
            measured = try probe(fitted.scale)
            var worst = 0.0
            for (i, st) in spec.streams.enumerated() {
                let w = fitted.scale.work(forStream: st.name)
                let real = WorkFit.latenciesNs(st, work: w, accelerators: accelerators, costs: measured)
                let modelled = WorkFit.latenciesNs(st, work: w, accelerators: accelerators, costs: costs)
                if WorkFit.alone(modelled) > 0 { correction[st.name] = WorkFit.alone(real) / WorkFit.alone(modelled) }
                if WorkFit.shared(modelled) > 0 { sharedCorrection[st.name] = WorkFit.shared(real) / WorkFit.shared(modelled) }
                worst = max(worst, abs(WorkFit.alone(real) / max(fitted.streams[i].aloneMs * 1e6, 1) - 1))
            }
            // Each model's alone time within 10% of the fit's, and the load within 5% of the target.
            let load = fitted.measured(spec, accelerators: accelerators, costs: measured).load
            let loadOff = fitted.reachesTarget ? abs(load / targetLoad - 1) : 0
            if (worst <= 0.1 && loadOff <= 0.05) || round == 4 { break }
            fitted = try WorkFit.fit(spec, seed: seed, targetLoad: targetLoad, accelerators: accelerators, costs: costs, mix: mix,
                                     correction: correction, sharedCorrection: sharedCorrection)
        }
        return FitOutcome(scale: fitted.scale, fit: fitted.measured(spec, accelerators: accelerators, costs: measured), measured: measured)
    }
}
