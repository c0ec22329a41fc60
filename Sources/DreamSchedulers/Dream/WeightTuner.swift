/// One entry of the tuner's log: a restart (step 0) or a completed step.
public struct DreamTuningStep: Sendable, Codable, Hashable {
    public enum Kind: String, Sendable, Codable { case restart, step }
    public var kind: Kind
    public var timeNs: Int64
    /// Steps since the last restart (0 for a restart).
    public var step: Int
    /// The weights after this entry.
    public var weights: DreamWeights
    /// Mean UXCost of the sub-windows run at w*(1 + d) and w*(1 - d) (0 for a restart).
    public var uxcostPlus: Double
    public var uxcostMinus: Double
    /// UXCost of the weights kept (the better side, or the mean when they stayed).
    public var windowUXCost: Double
    /// Largest relative change of a weight at this entry.
    public var change: Double
    /// Why a restart happened ("start", "load", "cascade").
    public var reason: String
}

/// DREAM's online weight tuning (docs/dream.md): after a (re)start, `tuningSteps` steps, each
/// four sub-windows of `tuningFramesPerWindow` frame outcomes run A B B A at w*(1 + d) and
/// w*(1 - d); the side with the lower measured UXCost (by `tuningMinImprovement`) becomes the
/// weights, d halves, then the weights hold until the next restart. It sees only frame
/// outcomes and block energy, so it is tested alone (TunerTests).
public struct WeightTuner: Sendable {
    /// The base weights.
    public private(set) var weights: DreamWeights
    /// The weights the scores use now (base weights, perturbed while a step measures).
    public private(set) var effectiveWeights: DreamWeights
    /// Every restart and step.
    public private(set) var log: [DreamTuningStep] = []
    /// A step is measuring (false before the first restart and after the last step).
    public private(set) var isTuning = false
    /// Paused by `setPaused`.
    public private(set) var isPaused = false

    private let framesPerWindow: Int
    private let initialStep: Double
    private let steps: Int
    private let minImprovement: Double
    /// Idle power of the machine (W): the sub-window's UXCost counts idle energy too.
    private let idleWatts: Double

    private var step = 0
    private var sub = 0
    private var delta = 0.0
    private var direction = (1.0, 1.0)
    private var subStart: Int64 = 0
    private var subEnergy = 0.0
    private var subEnded = 0
    private var subViolations = 0
    private var sumPlus = 0.0
    private var sumMinus = 0.0

    public init(configuration: DreamConfiguration, idleWatts: Double) {
        weights = configuration.weights
        effectiveWeights = configuration.weights
        framesPerWindow = configuration.tuningFramesPerWindow
        initialStep = configuration.tuningInitialStep
        steps = configuration.tuningSteps
        minImprovement = configuration.tuningMinImprovement
        self.idleWatts = idleWatts
        log.reserveCapacity(4096)
    }

    /// Starts over from the current weights (run start, or a phase change); a paused tuner
    /// stays paused (its step begins when it resumes).
    public mutating func restart(now: Int64, reason: String) {
        isTuning = true
        step = 0
        log.append(DreamTuningStep(kind: .restart, timeNs: now, step: 0, weights: weights, uxcostPlus: 0, uxcostMinus: 0,
                                   windowUXCost: 0, change: 0, reason: reason))
        if isPaused { effectiveWeights = weights } else { beginStep(now: now) }
    }

    /// Holds the base weights while `paused` (the load leaves no room to experiment); a step
    /// interrupted by a pause starts over when it ends.
    public mutating func setPaused(_ paused: Bool, now: Int64) {
        guard paused != isPaused else { return }
        isPaused = paused
        if paused { effectiveWeights = weights } else if isTuning { beginStep(now: now) }
    }

    /// Estimated energy of layers the policy ran (J), for the current sub-window.
    @inline(__always)
    public mutating func addEnergy(_ joules: Double) { if !isPaused { subEnergy += joules } }

    /// A frame completed (`violation`: missed its deadline) or was dropped (a violation).
    public mutating func frameEnded(violation: Bool, now: Int64) {
        guard !isPaused else { return }
        subEnded += 1
        if violation { subViolations += 1 }
        if isTuning && subEnded >= framesPerWindow { endSubWindow(now: now) }
    }

    private mutating func beginStep(now: Int64) {
        delta = initialStep * Self.pow2(-step)
        // Alternate the perturbation direction so both weights' interactions are probed.
        direction = step % 2 == 0 ? (1, 1) : (1, -1)
        sub = 0
        sumPlus = 0
        sumMinus = 0
        beginSubWindow(now: now)
    }

    private static func pow2(_ e: Int) -> Double {
        var r = 1.0
        if e < 0 { for _ in 0..<(-e) { r *= 0.5 } } else { for _ in 0..<e { r *= 2 } }
        return r
    }

    /// Sub-windows 0 and 3 run at w*(1 + d*dir), 1 and 2 at w*(1 - d*dir) (A B B A cancels a
    /// linear drift of the workload).
    private mutating func beginSubWindow(now: Int64) {
        subStart = now
        subEnergy = 0
        subEnded = 0
        subViolations = 0
        let sign: Double = (sub == 0 || sub == 3) ? 1 : -1
        effectiveWeights = perturbed(sign)
    }

    private func perturbed(_ sign: Double) -> DreamWeights {
        DreamWeights(urgency: weights.urgency,
                     fairness: weights.fairness * (1 + sign * delta * direction.0),
                     preference: weights.preference * (1 + sign * delta * direction.1))
    }

    /// UXCost of the sub-window that just ended: estimated energy of its blocks plus idle power,
    /// per frame ended, times the violation rate floored at half a frame.
    private mutating func endSubWindow(now: Int64) {
        let n = Double(max(1, subEnded))
        let energy = subEnergy + idleWatts * Double(max(0, now - subStart)) * 1e-9
        let ux = energy / n * max(Double(subViolations) / n, 0.5 / n)
        if sub == 0 || sub == 3 { sumPlus += ux } else { sumMinus += ux }
        sub += 1
        if sub < 4 { beginSubWindow(now: now); return }
        let plus = sumPlus / 2, minus = sumMinus / 2
        let before = weights
        var kept = (plus + minus) / 2
        if plus < minus * (1 - minImprovement) {
            weights = perturbed(1); kept = plus
        } else if minus < plus * (1 - minImprovement) {
            weights = perturbed(-1); kept = minus
        }
        step += 1
        log.append(DreamTuningStep(kind: .step, timeNs: now, step: step, weights: weights, uxcostPlus: plus, uxcostMinus: minus,
                                   windowUXCost: kept, change: weights.relativeChange(from: before), reason: ""))
        if step >= steps {
            isTuning = false
            effectiveWeights = weights
        } else {
            beginStep(now: now)
        }
    }
}
