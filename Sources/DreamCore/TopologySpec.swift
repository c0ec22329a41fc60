/// An accelerator as the topology file describes it, before it is placed on a machine.
public struct AcceleratorSpec: Sendable, Hashable {
    /// Which cores it gets: an explicit list of core numbers (as `dream topology` shows them),
    /// or a count placed by the resolver (on `numaNode` when given).
    public enum Cores: Sendable, Hashable {
        case list([Int])
        case count(Int)
    }

    public var name: String
    public var dataflow: Dataflow
    public var cores: Cores
    public var numaNode: Int?
    /// Below 1 the accelerator is slower than its cores: each layer holds it busy for
    /// measured_time / speed_factor. Above 1 it is faster: layer times are divided (the work is
    /// still executed in full, so the accelerator is modelled, not skipped).
    public var speedFactor: Double
    public var power: PowerModel

    public init(name: String, dataflow: Dataflow, cores: Cores, numaNode: Int? = nil,
                speedFactor: Double = 1, power: PowerModel = .default) {
        self.name = name
        self.dataflow = dataflow
        self.cores = cores
        self.numaNode = numaNode
        self.speedFactor = speedFactor
        self.power = power
    }
}

/// A topology file: a named list of emulated accelerators.
public struct TopologySpec: Sendable, Hashable {
    public var name: String
    public var description: String
    public var accelerators: [AcceleratorSpec]
    /// Where it came from (a path, or `auto`), for messages.
    public var source: String

    public init(name: String, description: String = "", accelerators: [AcceleratorSpec], source: String) {
        self.name = name
        self.description = description
        self.accelerators = accelerators
        self.source = source
    }
}

extension TopologySpec {
    /// Ranges of the numbers in a topology file: far beyond any real accelerator, small enough
    /// that times and energies stay finite.
    public enum Limits {
        public static let speedFactor: ClosedRange<Double> = 0.001...1000
        /// Watts per core (active_watts, idle_watts).
        public static let watts: Double = 10_000
        /// Picojoules per MAC or per byte.
        public static let picojoules: Double = 1_000_000
    }

    /// Parses a topology document (YAML or JSON). Shape errors are reported here; placement
    /// errors (cores that do not exist, ...) when it is resolved onto a machine.
    public static func parse(_ text: String, file: String) throws -> TopologySpec {
        var root = try YAMLObject.parse(text, file: file)
        let name = try root.optionalString("name") ?? "unnamed"
        let description = try root.optionalString("description") ?? ""
        let items = try root.list("accelerators")
        try root.finish()
        if items.isEmpty {
            throw root.error("accelerators", "is empty", fix: "list at least one accelerator")
        }
        var accelerators: [AcceleratorSpec] = []
        for item in items {
            var a = try item.object()
            let accName = try a.string("name")
            if accelerators.contains(where: { $0.name == accName }) {
                throw a.error("name", "`\(accName)` names two accelerators", fix: "give each accelerator its own name")
            }
            let flowText = try a.string("dataflow")
            guard let flow = Dataflow(rawValue: flowText.lowercased()) else {
                throw a.error("dataflow", "`\(flowText)` is not a dataflow",
                              fix: "use one of \(Dataflow.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            let list = try a.optionalIntList("cores")
            let count = try a.optionalInt("core_count")
            let cores: AcceleratorSpec.Cores
            switch (list, count) {
            case (let l?, nil):
                if l.isEmpty { throw a.error("cores", "is empty", fix: "list at least one core, or use core_count") }
                cores = .list(l)
            case (nil, let c?):
                if c <= 0 { throw a.error("core_count", "must be at least 1, found \(c)", fix: "ask for 1 or more cores") }
                cores = .count(c)
            case (nil, nil):
                throw a.error("cores", "is missing", fix: "give `cores: [0, 1]` or `core_count: 2`")
            case (_?, _?):
                throw a.error("core_count", "is given together with `cores`", fix: "keep only one of `cores` and `core_count`")
            }
            let node = try a.optionalInt("numa_node")
            if let node, node < 0 { throw a.error("numa_node", "must not be negative, found \(node)", fix: "use a NUMA node number >= 0") }
            let speed = try a.optionalPositive("speed_factor") ?? 1
            if !Limits.speedFactor.contains(speed) {
                throw a.error("speed_factor", "is \(speed), outside [\(Limits.speedFactor.lowerBound), \(Limits.speedFactor.upperBound)]",
                              fix: "give a factor such as 0.5 (half as fast) or 2 (twice as fast)")
            }
            var power = PowerModel.default
            if var p = try a.optionalObject("power") {
                func bounded(_ o: inout YAMLObject, _ key: String, _ limit: Double, _ unit: String) throws -> Double? {
                    guard let v = try o.optionalNonNegative(key) else { return nil }
                    if v > limit { throw o.error(key, "is \(v) \(unit), over the limit of \(limit) \(unit)", fix: "give a realistic value (see topologies/README.md)") }
                    return v
                }
                power.activeWatts = try bounded(&p, "active_watts", Limits.watts, "W") ?? power.activeWatts
                power.idleWatts = try bounded(&p, "idle_watts", Limits.watts, "W") ?? power.idleWatts
                power.picojoulesPerMAC = try bounded(&p, "pj_per_mac", Limits.picojoules, "pJ") ?? power.picojoulesPerMAC
                if var b = try p.optionalObject("pj_per_byte") {
                    for level in MemoryLevel.allCases {
                        if let v = try bounded(&b, level.rawValue, Limits.picojoules, "pJ") { power.picojoulesPerByte[level] = v }
                    }
                    try b.finish()
                }
                try p.finish()
                if power.idleWatts > power.activeWatts {
                    throw p.error("idle_watts", "(\(power.idleWatts) W) exceeds active_watts (\(power.activeWatts) W)",
                                  fix: "make idle_watts <= active_watts")
                }
            }
            try a.finish()
            accelerators.append(AcceleratorSpec(name: accName, dataflow: flow, cores: cores,
                                                numaNode: node, speedFactor: speed, power: power))
        }
        return TopologySpec(name: name, description: description, accelerators: accelerators, source: file)
    }
}
