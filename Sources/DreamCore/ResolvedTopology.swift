/// An accelerator placed on a machine: the cores it owns and where its memory lives.
public struct ResolvedAccelerator: Sendable, Hashable, Codable {
    public var index: Int
    public var name: String
    public var dataflow: Dataflow
    /// Core numbers (hwloc logical indices).
    public var cores: [Int]
    /// The OS CPU each core's worker thread pins to.
    public var cpus: [Int]
    public var numaNode: Int
    public var speedFactor: Double
    public var power: PowerModel

    public var coreCount: Int { cores.count }

    public init(index: Int, name: String, dataflow: Dataflow, cores: [Int], cpus: [Int], numaNode: Int,
                speedFactor: Double = 1, power: PowerModel = .default) {
        self.index = index
        self.name = name
        self.dataflow = dataflow
        self.cores = cores
        self.cpus = cpus
        self.numaNode = numaNode
        self.speedFactor = speedFactor
        self.power = power
    }
}

/// A topology placed on a machine.
public struct ResolvedTopology: Sendable, Hashable, Codable {
    public var name: String
    public var source: String
    public var accelerators: [ResolvedAccelerator]
    public var bindingAvailable: Bool
}

extension TopologySpec {
    /// Places every accelerator on `machine`: explicit cores are checked, counts are given the
    /// lowest free cores (of the named NUMA node when one is given). Throws a
    /// `DreamInputError` naming the accelerator's field on any conflict.
    public func resolve(on machine: MachineDescription) throws -> ResolvedTopology {
        var owner: [Int: String] = [:]
        var placed: [ResolvedAccelerator] = []
        let nodeIDs = machine.numaNodes.map(\.id)
        let coreRange = machine.cores.isEmpty ? "none" : "0-\(machine.cores.count - 1)"
        // Explicit lists first, so counts fill around them whatever the order in the file.
        let order = accelerators.indices.sorted { a, b in
            let la = if case .list = accelerators[a].cores { 0 } else { 1 }
            let lb = if case .list = accelerators[b].cores { 0 } else { 1 }
            return (la, a) < (lb, b)
        }
        var result = [ResolvedAccelerator?](repeating: nil, count: accelerators.count)
        for i in order {
            let acc = accelerators[i]
            let field = "accelerators[\(i)] (\(acc.name))"
            func fail(_ sub: String, _ problem: String, _ fix: String, _ kind: DreamInputError.Kind = .unavailable) -> DreamInputError {
                DreamInputError(kind, file: source, field: "\(field).\(sub)", problem: problem, fix: fix)
            }
            if let node = acc.numaNode, !nodeIDs.contains(node) {
                throw fail("numa_node", "NUMA node \(node) does not exist on this machine (nodes: \(nodeIDs.map(String.init).joined(separator: ", ")))",
                           "use one of those nodes, or pick a topology for this machine (`dream topology` lists it)")
            }
            var cores: [Int] = []
            switch acc.cores {
            case .list(let list):
                for c in list {
                    guard machine.cores.indices.contains(c) else {
                        throw fail("cores", "core \(c) does not exist (this machine has cores \(coreRange))",
                                   "use cores from \(coreRange), or `core_count`")
                    }
                    if cores.contains(c) {
                        throw fail("cores", "lists core \(c) twice", "list each core once", .data)
                    }
                    if let other = owner[c] {
                        throw fail("cores", "core \(c) is already used by accelerator `\(other)`",
                                   "give each accelerator its own cores")
                    }
                    if let node = acc.numaNode, machine.cores[c].numaNode != node {
                        throw fail("cores", "core \(c) is on NUMA node \(machine.cores[c].numaNode), not on numa_node \(node)",
                                   "pick cores of node \(node), or drop numa_node")
                    }
                    cores.append(c)
                }
            case .count(let n):
                let candidates = machine.cores.filter { owner[$0.index] == nil && (acc.numaNode == nil || $0.numaNode == acc.numaNode) }
                if candidates.count < n {
                    let where_ = acc.numaNode.map { "on NUMA node \($0)" } ?? "on the machine"
                    throw fail("core_count", "asks for \(n) cores but only \(candidates.count) are free \(where_) (\(machine.cores.count) cores in all)",
                               "ask for fewer cores, or use a topology sized for this machine (`--topology auto`)")
                }
                // Keep a counted accelerator on one node when it fits there (local memory).
                let byNode = Dictionary(grouping: candidates, by: \.numaNode)
                if acc.numaNode == nil, let node = byNode.keys.sorted().first(where: { byNode[$0]!.count >= n }) {
                    cores = byNode[node]!.prefix(n).map(\.index)
                } else {
                    cores = candidates.prefix(n).map(\.index)
                }
            }
            for c in cores { owner[c] = acc.name }
            let nodes = cores.map { machine.cores[$0].numaNode }
            // Memory goes to the node most of its cores are on.
            let node = acc.numaNode ?? Dictionary(grouping: nodes, by: { $0 }).max { a, b in
                (a.value.count, -a.key) < (b.value.count, -b.key)
            }!.key
            result[i] = ResolvedAccelerator(index: i, name: acc.name, dataflow: acc.dataflow, cores: cores,
                                            cpus: cores.map { machine.cores[$0].cpus.first ?? $0 },
                                            numaNode: node, speedFactor: acc.speedFactor, power: acc.power)
        }
        placed = result.map { $0! }
        return ResolvedTopology(name: name, source: source, accelerators: placed,
                                bindingAvailable: machine.bindingAvailable)
    }

    /// The layout derived from the machine: heterogeneous groups. On 1 core: one WS
    /// accelerator. On 2: one WS and one OS accelerator of a core each. On 3-5: a big OS group
    /// and a little WS core. On 6 or more: big (half the cores, OS), little (a quarter, WS) and
    /// an RS group with the rest. Multi-node machines keep each group on one node where it fits.
    public static func auto(for machine: MachineDescription) -> TopologySpec {
        let n = machine.cores.count
        let specs: [AcceleratorSpec]
        switch n {
        case ...1:
            specs = [AcceleratorSpec(name: "ws0", dataflow: .ws, cores: .count(max(1, n)))]
        case 2:
            specs = [AcceleratorSpec(name: "ws0", dataflow: .ws, cores: .count(1)),
                     AcceleratorSpec(name: "os0", dataflow: .os, cores: .count(1))]
        case 3...5:
            specs = [AcceleratorSpec(name: "big-os", dataflow: .os, cores: .count(n - 1)),
                     AcceleratorSpec(name: "little-ws", dataflow: .ws, cores: .count(1), speedFactor: 1,
                                     power: PowerModel(activeWatts: 1.5, idleWatts: 0.3))]
        default:
            let big = n / 2, little = max(1, n / 4)
            specs = [AcceleratorSpec(name: "big-os", dataflow: .os, cores: .count(big)),
                     AcceleratorSpec(name: "little-ws", dataflow: .ws, cores: .count(little),
                                     power: PowerModel(activeWatts: 1.5, idleWatts: 0.3)),
                     AcceleratorSpec(name: "mid-rs", dataflow: .rs, cores: .count(n - big - little))]
        }
        return TopologySpec(name: "auto", description: "derived from the machine (\(n) cores, \(machine.numaNodes.count) NUMA nodes)",
                            accelerators: specs, source: "auto")
    }
}

extension TopologySpec {
    /// The cores this topology occupies at least: its counted cores plus its listed ones, and
    /// enough cores for its highest listed index.
    public var coresNeeded: Int {
        var total = 0, highest = 0
        for acc in accelerators {
            switch acc.cores {
            case .count(let n): total += n
            case .list(let list): total += list.count; highest = max(highest, (list.max() ?? -1) + 1)
            }
        }
        return max(total, highest)
    }

    /// Resolution for the simulator, which needs no cores: on `machine` when the topology fits
    /// there, otherwise on a synthetic machine with enough cores (and NUMA nodes) for it. Returns
    /// the synthetic machine when one was used, so the caller can say so. Only `.unavailable`
    /// problems (too few cores, a missing core or node) fall back; an inconsistent file (a core
    /// listed twice) is still refused. Live runs must use `resolve(on:)`.
    public func resolveForSimulation(on machine: MachineDescription) throws -> (topology: ResolvedTopology, synthetic: MachineDescription?) {
        do {
            return (try resolve(on: machine), nil)
        } catch let error as DreamInputError where error.kind == .unavailable {
            let nodes = max(machine.numaNodes.count, (accelerators.compactMap(\.numaNode).max() ?? 0) + 1)
            let cores = max(coresNeeded, machine.cores.count) * nodes
            let synthetic = MachineDescription.synthetic(cores: cores, nodes: nodes)
            guard let resolved = try? resolve(on: synthetic) else { throw error }
            return (resolved, synthetic)
        }
    }
}
