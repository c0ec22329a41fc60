import DreamCore
import Foundation

/// trace.json: Chrome trace events, opened by ui.perfetto.dev. One process per accelerator, one
/// thread (track) per core, a complete ("X") event per block on each of its accelerator's
/// cores, instant events for releases and for the deadlines of dropped or missed frames.
public struct PerfettoTrace: Sendable, Equatable {
    public struct Event: Sendable, Equatable {
        /// "M" (metadata: process and thread names), "X" (a block), "i" (an instant).
        public var ph: String
        public var name: String
        public var pid: Int
        public var tid: Int?
        /// Microseconds from the run's start.
        public var ts: Double?
        public var dur: Double?
        /// "layers" for blocks.
        public var cat: String?
        /// Instant scope ("p": process).
        public var scope: String?
        public var args: Args?

        public init(ph: String, name: String, pid: Int, tid: Int? = nil, ts: Double? = nil, dur: Double? = nil, cat: String? = nil,
                    scope: String? = nil, args: Args? = nil) {
            self.ph = ph; self.name = name; self.pid = pid; self.tid = tid; self.ts = ts; self.dur = dur
            self.cat = cat; self.scope = scope; self.args = args
        }
    }

    /// A metadata event's name, or a block's frame, layer range, MACs and variant.
    public struct Args: Sendable, Equatable {
        public var name: String?
        public var frame: Int?
        public var layers: String?
        public var macs: Int64?
        public var variant: String?

        public init(name: String? = nil, frame: Int? = nil, layers: String? = nil, macs: Int64? = nil, variant: String? = nil) {
            self.name = name; self.frame = frame; self.layers = layers; self.macs = macs; self.variant = variant
        }
    }

    public var events: [Event]
    public var displayTimeUnit: String

    public init(events: [Event], displayTimeUnit: String = "ms") {
        self.events = events
        self.displayTimeUnit = displayTimeUnit
    }

    /// The trace of a run's records.
    public init(_ frames: [FrameRecord], blocks: [BlockRecord], streams: [StreamDescription], accelerators: [ResolvedAccelerator]) {
        var events: [Event] = []
        for a in accelerators {
            events.append(Event(ph: "M", name: "process_name", pid: a.index, args: Args(name: "\(a.name) (\(a.dataflow.rawValue))")))
            for c in a.cores { events.append(Event(ph: "M", name: "thread_name", pid: a.index, tid: c, args: Args(name: "core \(c)"))) }
        }
        let framePid = accelerators.count
        events.append(Event(ph: "M", name: "process_name", pid: framePid, args: Args(name: "frames")))
        for b in blocks.sorted(by: { $0.startNs < $1.startNs }) {
            let acc = accelerators[Int(b.accelerator)]
            let stream = streams[Int(b.stream)]
            for c in acc.cores {
                events.append(Event(ph: "X", name: stream.name, pid: acc.index, tid: c, ts: Double(b.startNs) / 1e3,
                                    dur: Double(b.endNs - b.startNs) / 1e3, cat: "layers",
                                    args: Args(frame: Int(b.frame), layers: "\(b.firstLayer)..<\(b.endLayer)", macs: b.macs,
                                               variant: stream.variants[Int(b.variant)].name)))
            }
        }
        for f in frames where f.releaseNs >= 0 {
            let name = streams[Int(f.stream)].name
            events.append(Event(ph: "i", name: "release \(name)#\(f.sequence)", pid: framePid, tid: Int(f.stream),
                                ts: Double(f.releaseNs) / 1e3, scope: "p"))
            if f.outcome != .met {
                events.append(Event(ph: "i", name: "\(f.outcome.rawValue) \(name)#\(f.sequence)", pid: framePid, tid: Int(f.stream),
                                    ts: Double(f.deadlineNs) / 1e3, scope: "p"))
            }
        }
        self.init(events: events)
    }

    // MARK: Writing and reading

    /// Compact JSON: a run's trace is megabytes.
    public func jsonData() throws -> Data {
        let list: [[String: Any]] = events.map { e in
            var d: [String: Any] = ["ph": e.ph, "name": e.name, "pid": e.pid]
            if let v = e.tid { d["tid"] = v }
            if let v = e.ts { d["ts"] = v }
            if let v = e.dur { d["dur"] = v }
            if let v = e.cat { d["cat"] = v }
            if let v = e.scope { d["s"] = v }
            if let a = e.args {
                var args: [String: Any] = [:]
                if let v = a.name { args["name"] = v }
                if let v = a.frame { args["frame"] = v }
                if let v = a.layers { args["layers"] = v }
                if let v = a.macs { args["macs"] = v }
                if let v = a.variant { args["variant"] = v }
                d["args"] = args
            }
            return d
        }
        return try JSONSerialization.data(withJSONObject: ["traceEvents": list, "displayTimeUnit": displayTimeUnit], options: [])
    }

    public static func read(_ path: String) throws -> PerfettoTrace {
        try read(ResultsFile.readData(path, what: "trace.json"), file: path)
    }

    /// Events without a ph or pid are skipped (other tools' traces may carry them).
    public static func read(_ data: Data, file: String) throws -> PerfettoTrace {
        let d = try ResultsFile.jsonObject(data, file: file)
        guard let list = d["traceEvents"] as? [[String: Any]] else { throw ResultsFile.fail(file, "traceEvents", "is missing") }
        let num = ResultsFile.double, int = ResultsFile.int
        let events = list.compactMap { e -> Event? in
            guard let ph = e["ph"] as? String, let pid = int(e["pid"]) else { return nil }
            let a = e["args"] as? [String: Any]
            return Event(ph: ph, name: e["name"] as? String ?? "", pid: pid, tid: int(e["tid"]), ts: num(e["ts"]), dur: num(e["dur"]),
                         cat: e["cat"] as? String, scope: e["s"] as? String,
                         args: a.map { Args(name: $0["name"] as? String, frame: int($0["frame"]), layers: $0["layers"] as? String,
                                            macs: (ResultsFile.double($0["macs"])).map { Int64($0) }, variant: $0["variant"] as? String) })
        }
        return PerfettoTrace(events: events, displayTimeUnit: d["displayTimeUnit"] as? String ?? "ms")
    }

    // MARK: The report's view

    /// Core rows and their blocks: pid = accelerator, tid = core; the "frames" process is not a row.
    public var coreRows: [CoreRow] {
        var accName: [Int: String] = [:]
        var cores: [Int: [Int]] = [:]
        var framePid: Int?
        var blocks: [Int: [Int: [TraceBlock]]] = [:]
        for e in events {
            if e.ph == "M" {
                let name = e.args?.name ?? ""
                if e.name == "process_name" {
                    if name == "frames" { framePid = e.pid } else { accName[e.pid] = name }
                } else if e.name == "thread_name", let tid = e.tid {
                    cores[e.pid, default: []].append(tid)
                }
            } else if e.ph == "X", let tid = e.tid, let ts = e.ts, let dur = e.dur {
                let b = TraceBlock(model: e.name, startMs: ts / 1000, durationMs: dur / 1000, frame: e.args?.frame ?? -1,
                                   layers: e.args?.layers ?? "", variant: e.args?.variant ?? "")
                blocks[e.pid, default: [:]][tid, default: []].append(b)
            }
        }
        var rows: [CoreRow] = []
        for pid in Set(accName.keys).union(cores.keys).union(blocks.keys).sorted() where pid != framePid {
            // "big (os)" names the accelerator "big".
            var name = accName[pid] ?? "accelerator \(pid)"
            if name.hasSuffix(")"), let p = name.lastIndex(of: "(") { name = name[..<p].trimmingCharacters(in: .whitespaces) }
            let tids = Array(Set(cores[pid] ?? []).union(blocks[pid]?.keys ?? [:].keys)).sorted()
            for tid in tids {
                rows.append(CoreRow(accelerator: pid, acceleratorName: name, core: tid,
                                    blocks: (blocks[pid]?[tid] ?? []).sorted { $0.startMs < $1.startMs }))
            }
        }
        return rows
    }
}

/// One executed block of layers on one core, from the trace's "X" events.
public struct TraceBlock: Sendable, Hashable {
    public var model: String
    public var startMs: Double
    public var durationMs: Double
    public var frame: Int
    public var layers: String
    public var variant: String
    public var endMs: Double { startMs + durationMs }
}

/// One timeline row: an accelerator's core, with what ran on it.
public struct CoreRow: Sendable {
    public var accelerator: Int
    public var acceleratorName: String
    public var core: Int
    public var blocks: [TraceBlock]
}
