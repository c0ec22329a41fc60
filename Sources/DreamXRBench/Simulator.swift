import DreamCore

/// One logged frame: a completed inference or a dropped request (the official `InferenceLog`).
public struct XRBenchLogEntry: Sendable, Hashable, Codable {
    public var model: String
    public var frame: Int
    /// The accelerator that ran it; nil for a dropped request.
    public var accelerator: Int?
    public var injectionMs: Float
    /// For a dropped request: the time it was dropped.
    public var dispatchMs: Float
    public var deadlineMs: Float
    /// The true completion time (not the event at which it was retired); for a dropped request
    /// the time it was dropped.
    public var completionMs: Float
    /// 0 for a dropped request.
    public var energy: Float
    public var dropped: Bool
}

/// What a run produced: the log, in the order the official runtime logs, and what it left out.
public struct XRBenchTrace: Sendable, Hashable, Codable {
    public var log: [XRBenchLogEntry]
    /// The time of the last event processed (the one at which the last frame was injected).
    public var endMs: Float
    public var events: Int
    /// Per model: frame ids used up by a failed Bernoulli draw (never logged).
    public var notCreated: [String: Int]
    /// Per model: requests still queued at the end (discarded: neither completed nor dropped).
    public var discardedQueued: [String: Int]
    /// Per model: jobs still running at the end (discarded likewise).
    public var discardedRunning: [String: Int]
}

/// XRBench's official runtime (XRBench-MLSys2023, `HET::Runtime` with `LatencyGreedy`), re-stated
/// event by event in float32 so that its scores are reproduced exactly. See docs/xrbench.md.
public struct XRBenchSimulator: Sendable {
    public var scenario: XRBenchScenario
    public var accelerators: [XRBenchAccelerator]
    /// The official runs use 700 ms.
    public var durationMs: Int
    /// Seed of the glibc-compatible `rand()` used for the cascade (Bernoulli) draws.
    public var seed: UInt32

    /// The official retire margin (`FP_ERROR_MARGIN`, 1e-2f ms).
    public static let retireMarginMs: Float = 0.01

    public init(scenario: XRBenchScenario, accelerators: [XRBenchAccelerator], durationMs: Int = 700, seed: UInt32 = 1) throws {
        // Re-validate: the scenario's fields are public and may have been edited since it was made.
        _ = try XRBenchScenario(name: scenario.name, models: scenario.models, file: scenario.file)
        guard !accelerators.isEmpty else {
            throw DreamInputError(.usage, file: scenario.file, field: "accelerators", problem: "none given", fix: "give at least one accelerator")
        }
        guard durationMs >= 1 else {
            throw DreamInputError(.usage, file: scenario.file, field: "--duration-ms", problem: "is \(durationMs)", fix: "give a duration of at least 1 ms (the official runs use 700)")
        }
        for m in scenario.models {
            let lacking = accelerators.filter { $0.costs[m.name] == nil }.map { String($0.index) }
            if !lacking.isEmpty {
                throw DreamInputError(.data, file: scenario.file, field: "Network \(m.name)",
                                      problem: "has no cost on accelerator \(lacking.joined(separator: ", "))",
                                      fix: "give its cost on every accelerator")
            }
        }
        self.scenario = scenario
        self.accelerators = accelerators
        self.durationMs = durationMs
        self.seed = seed
    }

    private struct Request {
        var frame: Int
        var injection: Float
        var deadline: Float
    }

    private struct Job {
        var model: Int
        var request: Request
        var dispatch: Float
        var completion: Float
        var energy: Float
    }

    public func run() -> XRBenchTrace {
        let models = scenario.models
        let count = models.count
        let names = models.map(\.name)
        let index = Dictionary(uniqueKeysWithValues: names.enumerated().map { ($0.element, $0.offset) })
        // Drops and dispatches visit models in byte-wise name order (the official std::map).
        let byName = (0..<count).sorted { XRBenchScenario.byteOrder(names[$0], names[$1]) }
        let upstream = models.map { $0.dependencies.map { index[$0]! } }
        let period = models.map { Float($0.periodMs) }
        let frames = models.map { $0.frames(durationMs: durationMs) }
        let costs = models.map { m in accelerators.map { $0.costs[m.name]! } }

        var rng = GlibcRandom(seed: seed)
        var lastInjected = [Int](repeating: -1, count: count)
        var queues = [[Request]](repeating: [], count: count)
        var completed = [Int](repeating: 0, count: count)
        var running = [Job?](repeating: nil, count: accelerators.count)
        var log: [XRBenchLogEntry] = []
        var notCreated = [Int](repeating: 0, count: count)

        // Ticks at n * (1000 / max FPS) whole ms.
        let tick = Float(1000 / models.map(\.fps).max()!)
        var tickIndex = 0
        var now: Float = 0
        var events = 0
        var lastEvent: Float = 0

        func hasRemainingFrames() -> Bool { (0..<count).contains { lastInjected[$0] < frames[$0] - 1 } }

        while hasRemainingFrames() {
            events += 1
            lastEvent = now

            // 1. Injection: at most one frame per model (its next due one), in file order. The
            //    official generator draws a jitter number (unused) for every model at every event,
            //    then one Bernoulli number per due frame: both are drawn here to keep its sequence.
            for m in 0..<count {
                _ = rng.nextUnitFloat()
                let due = period[m] * Float(lastInjected[m] + 1)
                if due <= now, lastInjected[m] != frames[m] - 1 {
                    let deadline = period[m] * Float(lastInjected[m] + 2)
                    lastInjected[m] += 1
                    if models[m].probability > rng.nextUnitFloat() {
                        queues[m].append(Request(frame: lastInjected[m], injection: now, deadline: deadline))
                    } else {
                        notCreated[m] += 1
                    }
                }
            }

            // 2. Retire jobs that complete by now + 0.01 ms, in accelerator order; the log keeps
            //    the true completion time.
            for a in running.indices {
                guard let job = running[a], now + Self.retireMarginMs >= job.completion else { continue }
                log.append(XRBenchLogEntry(model: names[job.model], frame: job.request.frame, accelerator: a,
                                           injectionMs: job.request.injection, dispatchMs: job.dispatch,
                                           deadlineMs: job.request.deadline, completionMs: job.completion,
                                           energy: job.energy, dropped: false))
                completed[job.model] += 1
                running[a] = nil
            }

            // 3. Drop queued requests whose deadline has passed (strictly), one per model per pass.
            var changed = true
            while changed {
                changed = false
                for m in byName {
                    guard let oldest = queues[m].first, oldest.deadline < now else { continue }
                    log.append(XRBenchLogEntry(model: names[m], frame: oldest.frame, accelerator: nil,
                                               injectionMs: oldest.injection, dispatchMs: now,
                                               deadlineMs: oldest.deadline, completionMs: now,
                                               energy: 0, dropped: true))
                    queues[m].removeFirst()
                    changed = true
                }
            }

            // 4. Dispatch: the oldest request of each model, in name order, to the idle accelerator
            //    with the fewest cycles for it (lowest index on a tie); repeat until nothing starts.
            changed = true
            while changed {
                changed = false
                for m in byName {
                    guard let oldest = queues[m].first else { continue }
                    // Frame k of a cascaded model waits until each upstream completed k + 1 inferences.
                    guard upstream[m].allSatisfy({ completed[$0] >= oldest.frame + 1 }) else { continue }
                    var chosen: Int?
                    for a in running.indices where running[a] == nil {
                        if chosen == nil || costs[m][a].cycles < costs[m][chosen!].cycles { chosen = a }
                    }
                    guard let a = chosen else { continue }
                    let cost = costs[m][a]
                    running[a] = Job(model: m, request: oldest, dispatch: now,
                                     completion: now + cost.latencyMs, energy: cost.energy)
                    queues[m].removeFirst()
                    changed = true
                }
            }

            // Next event: the next tick or the earliest completion; a completion on a tick uses it up.
            let nextTick = Float(tickIndex + 1) * tick
            var next = nextTick
            for job in running.compactMap({ $0 }) where job.completion < next { next = job.completion }
            if next == nextTick { tickIndex += 1 }
            now = next
        }

        func perModel(_ values: [Int]) -> [String: Int] {
            Dictionary(uniqueKeysWithValues: (0..<count).filter { values[$0] > 0 }.map { (names[$0], values[$0]) })
        }
        var runningLeft = [Int](repeating: 0, count: count)
        for job in running.compactMap({ $0 }) { runningLeft[job.model] += 1 }
        return XRBenchTrace(log: log, endMs: lastEvent, events: events,
                            notCreated: perModel(notCreated),
                            discardedQueued: perModel(queues.map(\.count)),
                            discardedRunning: perModel(runningLeft))
    }
}
