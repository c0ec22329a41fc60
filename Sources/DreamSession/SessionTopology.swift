import DreamCore
import DreamPlatform

extension DreamSession {
    /// `name` (`auto`, a shipped topology or a file) resolved on this machine. A simulation
    /// accepts any topology: when this host is too small it is placed on a synthetic machine,
    /// and `log` says so and where the costs come from. A live run needs the cores, and a
    /// machine description that is this machine (threads are pinned on it).
    /// `requireBinding: false` leaves that check to the caller (a plan made for other nodes).
    public static func resolveTopology(_ name: String, mode: Mode, calibration: String? = nil, requireBinding: Bool = true,
                                       log: (String) -> Void) throws -> (topology: ResolvedTopology, machine: String) {
        let machine = try MachineDiscovery.discover()
        let spec = try TopologySpec.load(name, machine: machine)
        switch mode {
        case .simulated:
            let (topo, synthetic) = try spec.resolveForSimulation(on: machine)
            let costs = calibration.map { "the calibration \($0)" } ?? "the analytic model"
            if let synthetic {
                log("\(topo.name): needs \(topo.accelerators.reduce(0) { $0 + $1.coreCount }) cores, this host has \(machine.cores.count): simulated on a synthetic machine (\(synthetic.source)), costs from \(costs)")
                return (topo, "\(synthetic.source) (this host has \(machine.cores.count) cores)")
            }
            log("\(topo.name): simulated on \(machine.source), costs from \(costs)")
            return (topo, machine.source)
        case .live:
            let topo = try spec.resolve(on: machine)
            if requireBinding && !topo.bindingAvailable {
                throw DreamInputError(.unavailable, file: machine.source, field: "", problem: "describes another machine: a live run cannot pin threads on it",
                                      fix: "unset HWLOC_SYNTHETIC / HWLOC_XMLFILE, or use `dream sim`")
            }
            return (topo, machine.source)
        }
    }
}
