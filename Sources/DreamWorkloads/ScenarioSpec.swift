import DreamCore
import Foundation

/// A time window in seconds (scenario time, before the time scale), `start <= t < end`.
public struct PhaseWindow: Sendable, Hashable, Codable {
    public var startS: Double
    public var endS: Double
    public init(startS: Double, endS: Double) { self.startS = startS; self.endS = endS }
}

/// The state a two-state Markov activity starts in.
public enum MarkovStart: String, Sendable, Hashable, Codable {
    case on, off
    /// Drawn from the stationary distribution: on with probability mean_on / (mean_on + mean_off).
    case random
}

/// When a stream is active (task-level dynamism). An inactive stream releases no frame.
public enum Activity: Sendable, Hashable {
    case always
    /// Active inside the windows; with `repeatS`, the pattern repeats with that period.
    case phases([PhaseWindow], repeatS: Double?)
    /// A two-state (on / off) continuous-time Markov chain with exponential holding times of
    /// the given means, in seconds.
    case markov(meanOnS: Double, meanOffS: Double, start: MarkovStart)
}

/// "Run model B on a frame only after model A finished that frame, and only if ...".
public struct Cascade: Sendable, Hashable {
    /// The upstream stream's name.
    public var after: String
    /// Chance that an upstream frame triggers this stream (independent Bernoulli per frame).
    public var probability: Double
    /// "When A's output says so": A's output is a persistent yes/no signal (e.g. "an object is
    /// detected") modelled as a two-state Markov chain over A's frames, with these mean run
    /// lengths in frames. The stream fires on the frames where the signal is yes (and the
    /// Bernoulli draw, if `probability` < 1, succeeds).
    public var signal: OutputSignal?

    public init(after: String, probability: Double = 1, signal: OutputSignal? = nil) {
        self.after = after
        self.probability = probability
        self.signal = signal
    }
}

public struct OutputSignal: Sendable, Hashable, Codable {
    public var meanTrueFrames: Double
    public var meanFalseFrames: Double
    public init(meanTrueFrames: Double, meanFalseFrames: Double) {
        self.meanTrueFrames = meanTrueFrames
        self.meanFalseFrames = meanFalseFrames
    }
}

/// One model instance of a scenario, with its timing.
public struct StreamSpec: Sendable, Hashable {
    public var name: String
    /// The model reference as written in the scenario file (a name or a relative path).
    public var modelRef: String
    public var model: ModelSpec
    /// Frames per second (for a cascade: its upstream's rate).
    public var fps: Double
    /// Relative deadline in ms; nil = the next frame's release (one period).
    public var deadlineMs: Double?
    /// Release jitter: each release is delayed by a uniform draw in [0, jitter) ms.
    public var jitterMs: Double
    /// Release time of frame 0, in ms.
    public var offsetMs: Double
    public var cascade: Cascade?
    public var activity: Activity

    public init(name: String, modelRef: String? = nil, model: ModelSpec, fps: Double, deadlineMs: Double? = nil,
                jitterMs: Double = 0, offsetMs: Double = 0, cascade: Cascade? = nil, activity: Activity = .always) {
        self.name = name
        self.modelRef = modelRef ?? model.name
        self.model = model
        self.fps = fps
        self.deadlineMs = deadlineMs
        self.jitterMs = jitterMs
        self.offsetMs = offsetMs
        self.cascade = cascade
        self.activity = activity
    }

    public var periodMs: Double { 1000 / fps }
    public var relativeDeadlineMs: Double { deadlineMs ?? periodMs }
}

/// A real-time multi-model scenario: the streams and their dynamism.
public struct ScenarioSpec: Sendable, Hashable {
    public var name: String
    public var description: String?
    public var source: String?
    public var streams: [StreamSpec]

    public init(name: String, description: String? = nil, source: String? = nil, streams: [StreamSpec]) {
        self.name = name
        self.description = description
        self.source = source
        self.streams = streams
    }

    public func streamIndex(named name: String) -> Int? { streams.firstIndex { $0.name == name } }

    /// Stream indices with every upstream before its cascades (validated acyclic).
    public var topologicalOrder: [Int] {
        var order: [Int] = []
        var placed = Set<Int>()
        while order.count < streams.count {
            var progressed = false
            for (i, s) in streams.enumerated() where !placed.contains(i) {
                if let c = s.cascade, let u = streamIndex(named: c.after), !placed.contains(u) { continue }
                order.append(i); placed.insert(i); progressed = true
            }
            if !progressed { break }
        }
        return order
    }
}

// MARK: - validation

extension ScenarioSpec {
    /// Ranges of a scenario's times (scenario time, before the time scale, which is at most
    /// `WorkloadScale.maxTime`): wide enough for any real workload, narrow enough that every
    /// time, scaled, fits in the trace's Int nanoseconds.
    public enum Limits {
        public static let fps: ClosedRange<Double> = 0.001...100_000
        /// deadline_ms, jitter_ms, offset_ms: 10^8 ms, about 27.8 hours.
        public static let maxMs: Double = 1e8
        /// Phase windows and repeat_s: 10^5 s, about 27.8 hours.
        public static let maxSeconds: Double = 1e5
        /// The shortest repeat_s: 1 ms.
        public static let minRepeatSeconds: Double = 1e-3
        /// Markov mean durations: 1 ms to 10^4 s (an exponential draw can be ~37 times its mean).
        public static let markovSeconds: ClosedRange<Double> = 1e-3...1e4
    }

    /// Checks names, rates, probabilities, windows, that every cascade names a stream of the
    /// scenario and that cascades form no cycle. `field(i, key)` names stream i's key.
    public func validate(file: String, field: (Int, String) -> String = { "streams[\($0)].\($1)" }) throws {
        func fail(_ i: Int, _ key: String, _ problem: String, _ fix: String) -> DreamInputError {
            DreamInputError(.data, file: file, field: field(i, key), problem: problem, fix: fix)
        }
        if streams.isEmpty {
            throw DreamInputError(.data, file: file, field: "streams", problem: "is empty", fix: "list at least one stream")
        }
        // Cycles first: a stream in a cycle inherits no frame rate, which is not the problem to report.
        for i in streams.indices {
            var seen: [Int] = [i]
            var cur = i
            while let c = streams[cur].cascade, let u = streamIndex(named: c.after) {
                if seen.contains(u) {
                    let cycle = (seen + [u]).map { streams[$0].name }.joined(separator: " -> ")
                    throw fail(i, "cascade.after", "closes a dependency cycle (\(cycle))", "cascades must form chains or trees with a root that is not cascaded")
                }
                seen.append(u)
                cur = u
            }
        }
        var names = Set<String>()
        for (i, s) in streams.enumerated() {
            if !names.insert(s.name).inserted {
                throw fail(i, "name", "repeats the stream name `\(s.name)`", "give each stream a distinct `name` (it defaults to the model's name)")
            }
            if let d = s.deadlineMs, !(d > 0) { throw fail(i, "deadline_ms", "must be greater than 0, found \(d)", "give a positive relative deadline in ms, or omit it (one period)") }
            if !(s.jitterMs >= 0) { throw fail(i, "jitter_ms", "must not be negative, found \(s.jitterMs)", "use a jitter >= 0 ms") }
            if !(s.offsetMs >= 0) { throw fail(i, "offset_ms", "must not be negative, found \(s.offsetMs)", "use an offset >= 0 ms") }
            for (key, v) in [("deadline_ms", s.deadlineMs ?? 0), ("jitter_ms", s.jitterMs), ("offset_ms", s.offsetMs)] where v > Limits.maxMs {
                throw fail(i, key, "is \(v) ms, over the limit of \(Limits.maxMs) ms (about 27 hours)", "give a time in milliseconds, such as 16.7")
            }
            if let c = s.cascade {
                if !(0...1).contains(c.probability) {
                    throw fail(i, "cascade.probability", "must be within [0, 1], found \(c.probability)", "use a probability between 0 and 1")
                }
                if let sig = c.signal, !(sig.meanTrueFrames >= 1) || !(sig.meanFalseFrames >= 1) {
                    throw fail(i, "cascade.when", "mean run lengths must be at least 1 frame", "give mean_true_frames and mean_false_frames >= 1")
                }
                guard let u = streamIndex(named: c.after) else {
                    throw fail(i, "cascade.after", "names `\(c.after)`, which is not a stream of this scenario",
                               "name one of: \(streams.map(\.name).joined(separator: ", "))")
                }
                if u == i { throw fail(i, "cascade.after", "names the stream itself (a dependency cycle)", "cascade after another stream") }
                if abs(streams[u].fps - s.fps) > 1e-9 * s.fps {
                    throw fail(i, "fps", "is \(s.fps) but its upstream `\(c.after)` runs at \(streams[u].fps); a cascade runs once per upstream frame",
                               "omit `fps` on a cascaded stream, or make it equal to its upstream's")
                }
                if s.jitterMs != 0 || s.offsetMs != 0 {
                    throw fail(i, s.jitterMs != 0 ? "jitter_ms" : "offset_ms", "is set on a cascaded stream, which is released when its upstream frame is",
                               "remove it (set it on the upstream stream)")
                }
            }
            if !(s.fps > 0) || !s.fps.isFinite { throw fail(i, "fps", "must be greater than 0, found \(s.fps)", "give a positive frame rate") }
            if !(Limits.fps).contains(s.fps) {
                throw fail(i, "fps", "is \(s.fps), outside [\(Limits.fps.lowerBound), \(Limits.fps.upperBound)]", "give a frame rate such as 30 (frames per second)")
            }
            switch s.activity {
            case .always: break
            case .phases(let windows, let repeatS):
                if windows.isEmpty { throw fail(i, "activity.phases", "is empty", "list the windows in which the stream is active") }
                var last = -Double.infinity
                for w in windows {
                    if !(w.startS >= 0) || !(w.endS > w.startS) || !w.endS.isFinite {
                        throw fail(i, "activity.phases", "has a window [\(w.startS), \(w.endS)) that is empty or negative", "give windows with 0 <= start_s < end_s")
                    }
                    if w.startS < last { throw fail(i, "activity.phases", "has windows out of order or overlapping", "sort the windows and keep them disjoint") }
                    if w.endS > Limits.maxSeconds {
                        throw fail(i, "activity.phases", "has a window ending at \(w.endS) s, over the limit of \(Limits.maxSeconds) s", "give windows in seconds within the limit")
                    }
                    last = w.endS
                }
                if let r = repeatS, !(r >= last) || !r.isFinite {
                    throw fail(i, "activity.repeat_s", "(\(r)) is shorter than the windows it repeats (they end at \(last))", "give repeat_s >= the last window's end_s")
                }
                if let r = repeatS, r < Limits.minRepeatSeconds {
                    throw fail(i, "activity.repeat_s", "is \(r) s, under the minimum of \(Limits.minRepeatSeconds) s", "give a period of at least a millisecond, or omit repeat_s")
                }
                if let r = repeatS, r > Limits.maxSeconds {
                    throw fail(i, "activity.repeat_s", "is \(r) s, over the limit of \(Limits.maxSeconds) s", "give a period in seconds within the limit, or omit repeat_s")
                }
            case .markov(let on, let off, _):
                if !(on > 0) || !(off > 0) || !on.isFinite || !off.isFinite {
                    throw fail(i, "activity.markov", "mean durations must be greater than 0", "give mean_on_s and mean_off_s > 0")
                }
                if !Limits.markovSeconds.contains(on) || !Limits.markovSeconds.contains(off) {
                    throw fail(i, "activity.markov", "mean durations must be within [\(Limits.markovSeconds.lowerBound), \(Limits.markovSeconds.upperBound)] s, found \(on) and \(off)",
                               "give mean_on_s and mean_off_s in seconds, such as 3")
                }
            }
        }
    }
}

// MARK: - reading

/// Finds the model files a scenario names.
public struct ModelResolver: Sendable {
    /// `resolve(reference, scenarioFile)` gives the model, or throws a DreamInputError.
    public var resolve: @Sendable (String, String) throws -> ModelSpec

    public init(_ resolve: @escaping @Sendable (String, String) throws -> ModelSpec) { self.resolve = resolve }

    /// Files: a reference with `/` or `.yaml` is a path relative to the scenario file; a name
    /// NAME is looked up as `models/NAME.yaml` next to the scenario, `../models/NAME.yaml`,
    /// `NAME.yaml` next to it, then the shipped `workloads/models/NAME.yaml`.
    public static let files = ModelResolver { ref, scenarioFile in
        let dir = (scenarioFile as NSString).deletingLastPathComponent
        func join(_ p: String) -> String { dir.isEmpty || p.hasPrefix("/") ? p : (dir as NSString).appendingPathComponent(p) }
        if ref.contains("/") || ModelSpec.fileExtensions.contains(where: { ref.hasSuffix(".\($0)") }) {
            let path = join(ref)
            return try ModelCache.shared.load(path)
        }
        var candidates: [String] = []
        for ext in ModelSpec.fileExtensions {
            candidates += [join("models/\(ref).\(ext)"), join("../models/\(ref).\(ext)"), join("\(ref).\(ext)")]
        }
        if let shipped = ShippedFiles.folder("workloads/models") {
            for ext in ModelSpec.fileExtensions { candidates.append(shipped.appendingPathComponent("\(ref).\(ext)").path) }
        }
        for c in candidates where FileManager.default.fileExists(atPath: c) {
            return try ModelCache.shared.load(c)
        }
        let shipped = ShippedFiles.shippedNames(folder: "workloads/models", extensions: ModelSpec.fileExtensions)
        throw DreamInputError(.noInput, file: ref, field: "", problem: "is an unknown model (no models/\(ref).yaml next to the scenario, nor a shipped one)",
                              fix: shipped.isEmpty ? "give the model file's path" : "use a shipped model (\(shipped.joined(separator: ", "))) or a file path")
    }
}

/// Parsed model files, by standardized path (scenarios share models).
final class ModelCache: @unchecked Sendable {
    static let shared = ModelCache()
    private let lock = NSLock()
    private var models: [String: ModelSpec] = [:]

    func load(_ path: String) throws -> ModelSpec {
        let key = URL(fileURLWithPath: path).standardizedFileURL.path
        lock.lock()
        if let m = models[key] { lock.unlock(); return m }
        lock.unlock()
        let m = try ModelSpec.parse(ShippedFiles.readText(path, what: "model"), file: path)
        lock.lock(); models[key] = m; lock.unlock()
        return m
    }
}

extension ScenarioSpec {
    public static let fileExtensions = ["yaml", "yml"]

    /// Loads a shipped scenario name (workloads/scenarios/NAME.yaml) or a file path.
    public static func load(_ nameOrPath: String, models: ModelResolver = .files) throws -> ScenarioSpec {
        let path = try ShippedFiles.locate(nameOrPath, folder: "workloads/scenarios", extensions: fileExtensions, what: "scenario")
        return try parse(ShippedFiles.readText(path, what: "scenario"), file: path, models: models)
    }

    public static func shippedNames() -> [String] {
        ShippedFiles.shippedNames(folder: "workloads/scenarios", extensions: fileExtensions)
    }

    /// Parses a scenario strictly and resolves its models (errors name the field and line).
    public static func parse(_ text: String, file: String, models: ModelResolver = .files) throws -> ScenarioSpec {
        var doc = try YAMLObject.parse(text, file: file)
        let name = try doc.string("name")
        let description = try doc.optionalString("description")
        let source = try doc.optionalString("source")
        let items = try doc.list("streams")
        try doc.finish()
        var streams: [StreamSpec] = []
        var fields: [[String: String]] = []
        var rawFPS: [Double?] = []
        for item in items {
            var o = try item.object()
            var f: [String: String] = [:]
            let modelRef = try o.string("model")
            f["model"] = o.field("model")
            let model: ModelSpec
            do {
                model = try models.resolve(modelRef, file)
            } catch let e as DreamInputError where e.file == modelRef {
                throw DreamInputError(e.kind, file: file, field: o.field("model"), problem: "names `\(modelRef)`, which \(e.problem)", fix: e.fix)
            }
            let sname = try o.optionalString("name") ?? model.name
            let fps = try o.optionalDouble("fps")
            rawFPS.append(fps)
            let deadline = try o.optionalDouble("deadline_ms")
            let jitter = try o.optionalDouble("jitter_ms") ?? 0
            let offset = try o.optionalDouble("offset_ms") ?? 0
            for k in ["name", "fps", "deadline_ms", "jitter_ms", "offset_ms"] { f[k] = o.has(k) ? o.field(k) : item.field }
            var cascade: Cascade?
            if var c = try o.optionalObject("cascade") {
                let after = try c.string("after")
                let p = try c.optionalDouble("probability") ?? 1
                var signal: OutputSignal?
                if var w = try c.optionalObject("when") {
                    signal = OutputSignal(meanTrueFrames: try w.double("mean_true_frames"), meanFalseFrames: try w.double("mean_false_frames"))
                    try w.finish()
                }
                f["cascade.after"] = c.field("after")
                f["cascade.probability"] = c.has("probability") ? c.field("probability") : c.field("after")
                f["cascade.when"] = c.has("when") ? c.field("when") : c.field("after")
                try c.finish()
                cascade = Cascade(after: after, probability: p, signal: signal)
            }
            var activity = Activity.always
            if o.has("activity") { f["activity"] = o.field("activity") }
            if var a = try o.optionalObject("activity") {
                if a.has("markov") {
                    var m = try a.object("markov")
                    let on = try m.double("mean_on_s"), off = try m.double("mean_off_s")
                    let startName = try m.optionalString("start") ?? "random"
                    guard let start = MarkovStart(rawValue: startName) else {
                        throw m.error("start", "must be on, off or random, found `\(startName)`", fix: "write `start: on`, `off` or `random`")
                    }
                    f["activity.markov"] = a.field("markov")
                    try m.finish()
                    activity = .markov(meanOnS: on, meanOffS: off, start: start)
                } else {
                    var windows: [PhaseWindow] = []
                    for w in try a.list("phases") {
                        var wo = try w.object()
                        windows.append(PhaseWindow(startS: try wo.double("start_s"), endS: try wo.double("end_s")))
                        try wo.finish()
                    }
                    let r = try a.optionalDouble("repeat_s")
                    f["activity.phases"] = a.field("phases")
                    f["activity.repeat_s"] = a.has("repeat_s") ? a.field("repeat_s") : a.field("phases")
                    activity = .phases(windows, repeatS: r)
                }
                try a.finish()
            }
            try o.finish()
            f["default"] = item.field
            streams.append(StreamSpec(name: sname, modelRef: modelRef, model: model, fps: fps ?? 0, deadlineMs: deadline,
                                      jitterMs: jitter, offsetMs: offset, cascade: cascade, activity: activity))
            fields.append(f)
        }
        // A cascade without fps inherits its upstream's rate (along the chain).
        var changed = true
        while changed {
            changed = false
            for i in streams.indices where rawFPS[i] == nil && streams[i].fps == 0 {
                if let c = streams[i].cascade, let u = streams.firstIndex(where: { $0.name == c.after }), streams[u].fps > 0 {
                    streams[i].fps = streams[u].fps; changed = true
                }
            }
        }
        for i in streams.indices where rawFPS[i] == nil && streams[i].fps == 0 && streams[i].cascade == nil {
            throw DreamInputError(.data, file: file, field: "\(fields[i]["default"]!).fps", problem: "is missing", fix: "add `fps: <number>`")
        }
        let scenario = ScenarioSpec(name: name, description: description, source: source, streams: streams)
        try scenario.validate(file: file) { i, key in
            i < fields.count ? (fields[i][key] ?? fields[i]["default"]!) : "streams[\(i)]"
        }
        return scenario
    }

    // MARK: writing

    /// The scenario in the format `parse` reads back identically (models by reference).
    public func yamlText() -> String {
        var out = "name: \(yamlString(name))\n"
        if let description { out += "description: \(yamlString(description))\n" }
        if let source { out += "source: \(yamlString(source))\n" }
        out += "streams:\n"
        for s in streams {
            out += "  - name: \(yamlString(s.name))\n"
            out += "    model: \(yamlString(s.modelRef))\n"
            out += "    fps: \(yamlNumber(s.fps))\n"
            if let d = s.deadlineMs { out += "    deadline_ms: \(yamlNumber(d))\n" }
            if s.jitterMs != 0 { out += "    jitter_ms: \(yamlNumber(s.jitterMs))\n" }
            if s.offsetMs != 0 { out += "    offset_ms: \(yamlNumber(s.offsetMs))\n" }
            if let c = s.cascade {
                var parts = ["after: \(yamlString(c.after))"]
                if c.probability != 1 || c.signal == nil { parts.append("probability: \(yamlNumber(c.probability))") }
                if let sig = c.signal {
                    parts.append("when: {mean_true_frames: \(yamlNumber(sig.meanTrueFrames)), mean_false_frames: \(yamlNumber(sig.meanFalseFrames))}")
                }
                out += "    cascade: {\(parts.joined(separator: ", "))}\n"
            }
            switch s.activity {
            case .always: break
            case .phases(let ws, let r):
                let list = ws.map { "{start_s: \(yamlNumber($0.startS)), end_s: \(yamlNumber($0.endS))}" }.joined(separator: ", ")
                out += "    activity: {phases: [\(list)]\(r.map { ", repeat_s: \(yamlNumber($0))" } ?? "")}\n"
            case .markov(let on, let off, let start):
                out += "    activity: {markov: {mean_on_s: \(yamlNumber(on)), mean_off_s: \(yamlNumber(off)), start: \(start.rawValue)}}\n"
            }
        }
        return out
    }
}
