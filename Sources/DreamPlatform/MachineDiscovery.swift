import CHwloc
import DreamCore
import Foundation

/// Reads the machine through hwloc. Honours `HWLOC_SYNTHETIC` (and the other HWLOC_* variables),
/// in which case the description says it is not this system and binding is unavailable.
public enum MachineDiscovery {
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    public static func discover() throws -> MachineDescription {
        var topology: hwloc_topology_t?
        guard hwloc_topology_init(&topology) == 0, let topology else {
            throw Failure(description: "hwloc could not initialise a topology")
        }
        defer { hwloc_topology_destroy(topology) }
        guard hwloc_topology_load(topology) == 0 else {
            let synthetic = ProcessInfo.processInfo.environment["HWLOC_SYNTHETIC"].map { " (HWLOC_SYNTHETIC=\"\($0)\" may be malformed)" } ?? ""
            throw Failure(description: "hwloc could not load the machine's topology\(synthetic)")
        }
        let isThisSystem = hwloc_topology_is_thissystem(topology) == 1
        let env = ProcessInfo.processInfo.environment
        let source: String
        if let s = env["HWLOC_SYNTHETIC"] { source = "HWLOC_SYNTHETIC=\"\(s)\"" }
        else if let x = env["HWLOC_XMLFILE"] { source = "HWLOC_XMLFILE=\(x)" }
        else { source = "hwloc (this system)" }

        func objects(_ type: hwloc_obj_type_t) -> [hwloc_obj_t] {
            let n = hwloc_get_nbobjs_by_type(topology, type)
            guard n > 0 else { return [] }
            return (0..<UInt32(n)).compactMap { hwloc_get_obj_by_type(topology, type, $0) }
        }

        var nodes: [MachineDescription.NUMANode] = []
        var nodeSets: [(id: Int, cpuset: hwloc_const_cpuset_t)] = []
        for node in objects(HWLOC_OBJ_NUMANODE) {
            let id = Int(node.pointee.os_index)
            let memory = node.pointee.attr.map { UInt64($0.pointee.numanode.local_memory) }
            nodes.append(.init(id: id, cpus: bits(node.pointee.cpuset), memoryBytes: memory))
            if let set = node.pointee.cpuset { nodeSets.append((id, set)) }
        }
        let packages = objects(HWLOC_OBJ_PACKAGE)
        var cores: [MachineDescription.Core] = []
        for core in objects(HWLOC_OBJ_CORE) {
            guard let set = core.pointee.cpuset else { continue }
            let node = nodeSets.first { hwloc_bitmap_intersects($0.cpuset, set) == 1 }?.id ?? 0
            let package = packages.firstIndex { $0.pointee.cpuset.map { hwloc_bitmap_intersects($0, set) == 1 } ?? false } ?? 0
            cores.append(.init(index: Int(core.pointee.logical_index), cpus: bits(set), numaNode: node, package: package))
        }
        cores.sort { $0.index < $1.index }
        if cores.isEmpty {
            // Some virtual machines expose PUs without cores: treat each PU as a core.
            for (i, pu) in objects(HWLOC_OBJ_PU).enumerated() {
                let set = pu.pointee.cpuset
                let node = set.flatMap { s in nodeSets.first { hwloc_bitmap_intersects($0.cpuset, s) == 1 }?.id } ?? 0
                cores.append(.init(index: i, cpus: [Int(pu.pointee.os_index)], numaNode: node, package: 0))
            }
        }
        var caches: [MachineDescription.Cache] = []
        let cacheTypes: [(hwloc_obj_type_t, Int, String)] = [
            (HWLOC_OBJ_L1CACHE, 1, "data"), (HWLOC_OBJ_L2CACHE, 2, "unified"), (HWLOC_OBJ_L3CACHE, 3, "unified")]
        for (type, level, kind) in cacheTypes {
            let list = objects(type)
            guard let first = list.first, let attr = first.pointee.attr else { continue }
            caches.append(.init(level: level, kind: kind, sizeBytes: UInt64(attr.pointee.cache.size), count: list.count))
        }
        if nodes.isEmpty {
            nodes = [.init(id: 0, cpus: cores.flatMap(\.cpus))]
        }
        return MachineDescription(isThisSystem: isThisSystem, source: source, packages: max(1, packages.count),
                                  numaNodes: nodes, cores: cores,
                                  processingUnits: Int(hwloc_get_nbobjs_by_type(topology, HWLOC_OBJ_PU)),
                                  caches: caches)
    }

    static func bits(_ set: hwloc_const_bitmap_t?) -> [Int] {
        guard let set else { return [] }
        var result: [Int] = []
        var i = hwloc_bitmap_first(set)
        while i >= 0 {
            result.append(Int(i))
            i = hwloc_bitmap_next(set, i)
        }
        return result
    }
}
