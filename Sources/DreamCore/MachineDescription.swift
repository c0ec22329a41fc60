/// The machine as hwloc sees it, as a plain value (so layout logic is testable anywhere).
public struct MachineDescription: Sendable, Hashable, Codable {
    public struct NUMANode: Sendable, Hashable, Codable {
        /// The OS number of the node (as numactl shows it).
        public var id: Int
        /// OS numbers of the processing units (CPUs) on the node.
        public var cpus: [Int]
        /// Local memory in bytes, when known (it changes with memory hot-plug: never rely on it).
        public var memoryBytes: UInt64?
        public init(id: Int, cpus: [Int], memoryBytes: UInt64? = nil) {
            self.id = id
            self.cpus = cpus
            self.memoryBytes = memoryBytes
        }
    }

    public struct Core: Sendable, Hashable, Codable {
        /// The core's number in `dream topology` and in topology files (hwloc logical index).
        public var index: Int
        /// OS numbers of its processing units (hardware threads); workers pin to the first.
        public var cpus: [Int]
        public var numaNode: Int
        public var package: Int
        public init(index: Int, cpus: [Int], numaNode: Int, package: Int) {
            self.index = index
            self.cpus = cpus
            self.numaNode = numaNode
            self.package = package
        }
    }

    public struct Cache: Sendable, Hashable, Codable {
        public var level: Int
        public var kind: String
        public var sizeBytes: UInt64
        /// How many of these caches the machine has.
        public var count: Int
        public init(level: Int, kind: String, sizeBytes: UInt64, count: Int) {
            self.level = level
            self.kind = kind
            self.sizeBytes = sizeBytes
            self.count = count
        }
    }

    /// True when hwloc describes the machine we run on; false for a synthetic or loaded
    /// topology, where binding threads or memory is impossible.
    public var isThisSystem: Bool
    /// Where the description came from, e.g. `hwloc` or `HWLOC_SYNTHETIC=...`.
    public var source: String
    public var packages: Int
    public var numaNodes: [NUMANode]
    public var cores: [Core]
    public var processingUnits: Int
    public var caches: [Cache]

    public init(isThisSystem: Bool, source: String, packages: Int, numaNodes: [NUMANode],
                cores: [Core], processingUnits: Int, caches: [Cache]) {
        self.isThisSystem = isThisSystem
        self.source = source
        self.packages = packages
        self.numaNodes = numaNodes
        self.cores = cores
        self.processingUnits = processingUnits
        self.caches = caches
    }

    public var bindingAvailable: Bool { isThisSystem }

    /// A machine of `cores` cores spread evenly over `nodes` NUMA nodes, one CPU per core:
    /// for tests and for the simulator, which needs no real machine.
    public static func synthetic(cores: Int, nodes: Int = 1) -> MachineDescription {
        let perNode = max(1, cores / max(1, nodes))
        let coreList = (0..<cores).map { Core(index: $0, cpus: [$0], numaNode: min(nodes - 1, $0 / perNode), package: 0) }
        let nodeList = (0..<nodes).map { n in NUMANode(id: n, cpus: coreList.filter { $0.numaNode == n }.map { $0.index }) }
        return MachineDescription(isThisSystem: false, source: "synthetic(\(cores) cores, \(nodes) nodes)",
                                  packages: 1, numaNodes: nodeList, cores: coreList,
                                  processingUnits: cores, caches: [])
    }
}
