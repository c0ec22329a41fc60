import DreamCore
import DreamEngine
import DreamWorkloads
import Foundation

/// How `WorkFit` is found (see the type for what it guarantees).
extension WorkFit {
    /// The default variant's latency on each accelerator at work scale `work`, ns.
    public static func latenciesNs(_ stream: StreamSpec, work: Double, accelerators: [ResolvedAccelerator], costs: CostModel) -> [Double] {
        let layers = stream.model.scaled(work: work).defaultVariant.layers
        return accelerators.map { acc in layers.reduce(0.0) { $0 + costs.cost(of: $1, on: acc).latencyNs } }
    }

    /// Alone latency: the smallest of `latencies` (the fastest accelerator).
    static func alone(_ latencies: [Double]) -> Double { latencies.min() ?? 0 }

    /// The model's time per frame when every accelerator runs frames of it at its own speed:
    /// 1 / (sum over accelerators of 1 / latency there). Frames per second x this = its load.
    static func shared(_ latencies: [Double], correction: Double = 1) -> Double {
        let rate = latencies.reduce(0.0) { $1 > 0 ? $0 + 1 / $1 : $0 }
        return rate > 0 ? correction / rate : 0
    }

    /// Alone latency of `stream`'s default variant at work scale `work`, ns, on its fastest
    /// accelerator, times `correction` (measured / modelled).
    public static func aloneNs(_ stream: StreamSpec, work: Double, accelerators: [ResolvedAccelerator], costs: CostModel,
                               correction: Double = 1) -> Double {
        alone(latenciesNs(stream, work: work, accelerators: accelerators, costs: costs)) * correction
    }

    /// Fits `spec` at `targetLoad` (see the type's documentation). `correction` multiplies the
    /// modelled alone latency per stream name (measured / modelled, from a kernel probe), and
    /// `sharedCorrection` its shared time (the load; `correction` where absent): the two differ
    /// when the accelerators are off the model by different factors.
    public static func fit(_ spec: ScenarioSpec, seed: UInt64, targetLoad: Double, accelerators: [ResolvedAccelerator],
                           costs: CostModel, mix: Mix = .equal, correction: [String: Double] = [:],
                           sharedCorrection: [String: Double] = [:]) throws -> WorkFit {
        if !(targetLoad > 0) || !targetLoad.isFinite {
            throw DreamInputError(.usage, file: "--target-load", field: "", problem: "must be greater than 0, found \(targetLoad)",
                                  fix: "give a load as a fraction of capacity, such as 0.8")
        }
        let rateTrace = try WorkloadTrace.generate(scenario: spec, seed: seed, duration: rateWindowS)
        let streams = rateTrace.streams
        let n = streams.count
        let rate = streams.map { Double($0.released) / rateWindowS }
        // Alone and shared time of stream s at work w, from one pass over its layers.
        func times(_ s: Int, _ w: Double) -> (alone: Double, shared: Double) {
            let t = latenciesNs(spec.streams[s], work: w, accelerators: accelerators, costs: costs)
            let c = correction[streams[s].name] ?? 1
            return (Self.alone(t) * c, Self.shared(t, correction: sharedCorrection[streams[s].name] ?? c))
        }
        func alone(_ s: Int, _ w: Double) -> Double { times(s, w).alone }
        // Chain length from the root, and the deadline cap: the tightest share over every chain
        // through the stream (its own and its dependents').
        var depth = [Int](repeating: 1, count: n)
        for s in spec.topologicalOrder { if let u = streams[s].upstream { depth[s] = depth[u] + 1 } }
        var cap = (0..<n).map { aloneMargin * Double(streams[$0].relativeDeadlineNs) / Double(depth[$0]) }
        for s in spec.topologicalOrder.reversed() {
            if let u = streams[s].upstream { cap[u] = min(cap[u], aloneMargin * Double(streams[s].relativeDeadlineNs) / Double(depth[s])) }
        }
        var infeasible: [Infeasibility] = []
        let atFull = (0..<n).map { times($0, maxWork) }
        let full = atFull.map(\.alone)
        let smallest = (0..<n).map { alone($0, minWork) }
        for s in 0..<n where smallest[s] > cap[s] {
            infeasible.append(Infeasibility(scenario: spec.name, load: targetLoad, model: streams[s].name,
                reason: String(format: "needs %.2f ms alone even at its smallest size; its deadline allows %.2f ms (%.0f%% of %.2f ms%@)",
                               smallest[s] / 1e6, cap[s] / 1e6, aloneMargin * 100, Double(streams[s].relativeDeadlineNs) / 1e6,
                               depth[s] > 1 || cap[s] < aloneMargin * Double(streams[s].relativeDeadlineNs) ? ", shared along its cascade" : "")))
        }
        // Latency bounds per stream: [smallest, min(cap, full size)].
        let upper = (0..<n).map { max(smallest[$0], min(cap[$0], full[$0])) }
        let weight: [Double] = (0..<n).map { s in
            guard rate[s] > 0 else { return 0 }
            switch mix {
            case .equal: return 1
            case .weights(let w): return max(0, w[streams[s].name] ?? 0)
            }
        }
        // kappa: shared time / alone time (1 / accelerators when all are alike), measured at
        // full size, then again at the solved size (it moves little with the work).
        var kappa = atFull.map { $0.alone > 0 ? $0.shared / $0.alone : 0 }
        var atWork = atFull
        var work = [Double](repeating: 1, count: n)
        var fixed = [Bool](repeating: false, count: n)
        // Latencies are steps in the work (channel counts round), and kappa moves a little with
        // it: aim again at the target until the load reached is within 1% (or nothing moves).
        var aim = targetLoad
        for _ in 0..<5 {
            // Water-filling of load: u_s = rate_s x kappa_s x L_s, sum u_s = aim.
            let total = aim * 1e9
            var latency = upper
            fixed = (0..<n).map { weight[$0] == 0 }
            while true {
                let fixedLoad = (0..<n).filter { fixed[$0] }.reduce(0.0) { $0 + rate[$1] * kappa[$1] * latency[$1] }
                let free = (0..<n).filter { !fixed[$0] }
                let weights = free.reduce(0.0) { $0 + weight[$1] }
                guard !free.isEmpty, weights > 0 else { break }
                let left = max(0, total - fixedLoad)
                var clamped = false
                for s in free {
                    let l = left * weight[s] / weights / (rate[s] * kappa[s])
                    if l >= upper[s] { latency[s] = upper[s]; fixed[s] = true; clamped = true }
                    else { latency[s] = max(smallest[s], l) }
                }
                if !clamped { break }
            }
            // Streams that never release a frame in the window cost nothing: give them their cap.
            for s in 0..<n where rate[s] == 0 { latency[s] = upper[s] }
            // The work scale reaching each latency (bisection on log w; latency grows with w).
            for s in 0..<n {
                if latency[s] >= full[s] { work[s] = maxWork; continue }
                if latency[s] <= smallest[s] { work[s] = minWork; continue }
                var lo = log(minWork), hi = log(maxWork)
                for _ in 0..<40 {
                    let mid = (lo + hi) / 2
                    if alone(s, exp(mid)) > latency[s] { hi = mid } else { lo = mid }
                    if hi - lo < 1e-4 { break }
                }
                // Latency moves in steps (channel counts round): the step above the target is
                // taken when it is nearer and still within the cap.
                let below = alone(s, exp(lo)), above = alone(s, exp(hi))
                work[s] = above <= upper[s] && above - latency[s] < latency[s] - below ? exp(hi) : exp(lo)
            }
            atWork = (0..<n).map { times($0, work[$0]) }
            kappa = atWork.map { $0.alone > 0 ? $0.shared / $0.alone : 0 }
            let reached = (0..<n).reduce(0.0) { $0 + rate[$1] * atWork[$1].shared } / 1e9
            if reached <= 0 || abs(reached / targetLoad - 1) <= 0.01 || fixed.allSatisfy({ $0 }) { break }
            aim *= targetLoad / reached
        }
        // `atWork` is at the final work scales: the loop computes it after the last solve.
        let fitted = atWork.map(\.alone)
        let load = (0..<n).reduce(0.0) { $0 + rate[$1] * atWork[$1].shared } / 1e9
        if load < targetLoad * 0.97 {
            let limits = (0..<n).filter { rate[$0] > 0 && fitted[$0] >= 0.98 * upper[$0] }.map { streams[$0].name }
            infeasible.append(Infeasibility(scenario: spec.name, load: targetLoad, model: limits.joined(separator: ","),
                reason: String(format: "offers at most load %.3f: every model is at its deadline cap or full size", load)))
        } else if load > targetLoad * 1.03 {
            // A model's latency moves in steps (channel counts round): a small model may jump past it.
            infeasible.append(Infeasibility(scenario: spec.name, load: targetLoad, model: "",
                reason: String(format: "reaches load %.3f, not %.3f: the models' sizes move in steps that do not fit it closer", load, targetLoad)))
        }
        var scale = WorkloadScale()
        for s in 0..<n where work[s] != 1 { scale.streamWork[streams[s].name] = work[s] }
        let fits = (0..<n).map { s in
            StreamFit(name: streams[s].name, work: work[s], framesPerSecond: rate[s], deadlineMs: Double(streams[s].relativeDeadlineNs) / 1e6,
                      capMs: cap[s] / 1e6, aloneMs: fitted[s] / 1e6, utilization: rate[s] * atWork[s].shared / 1e9)
        }
        return WorkFit(scale: scale, targetLoad: targetLoad, load: load, streams: fits, infeasible: infeasible)
    }

    /// The same fit with each model's alone latency, utilization and the load recomputed from
    /// `costs` (the kernels measured at the fitted scale).
    public func measured(_ spec: ScenarioSpec, accelerators: [ResolvedAccelerator], costs: CostModel) -> WorkFit {
        var out = self
        var total = 0.0
        for (i, st) in spec.streams.enumerated() where i < out.streams.count {
            let t = Self.latenciesNs(st, work: scale.work(forStream: st.name), accelerators: accelerators, costs: costs)
            out.streams[i].aloneMs = Self.alone(t) / 1e6
            out.streams[i].utilization = out.streams[i].framesPerSecond * Self.shared(t) / 1e9
            total += out.streams[i].utilization
        }
        out.load = total
        return out
    }
}
