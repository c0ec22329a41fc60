import ArgumentParser
import DreamCore
import DreamPlatform

struct TopologyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "topology",
        abstract: "Print the machine (through hwloc) and an accelerator layout resolved onto it.")

    @Option(name: .long, help: "`auto`, a shipped topology name (see topologies/), or a file path.")
    var topology: String = "auto"

    @Flag(name: .long, help: "Print JSON instead of text.")
    var json = false

    struct Output: Encodable {
        var machine: MachineDescription
        var bindingAvailable: Bool
        var topology: ResolvedTopology
    }

    func run() throws {
        try reportingErrors {
            let machine = try MachineDiscovery.discover()
            let resolved = try TopologySpec.load(topology, machine: machine).resolve(on: machine)
            if json {
                print(try jsonString(Output(machine: machine, bindingAvailable: machine.bindingAvailable, topology: resolved)))
            } else {
                print(Self.text(machine: machine, topology: resolved))
            }
        }
    }

    static func text(machine: MachineDescription, topology: ResolvedTopology) -> String {
        var lines: [String] = []
        lines.append("machine: \(machine.source)")
        lines.append("  \(machine.packages) package(s), \(machine.numaNodes.count) NUMA node(s), \(machine.cores.count) core(s), \(machine.processingUnits) PU(s)")
        for node in machine.numaNodes {
            let mem = node.memoryBytes.map { String(format: ", %.1f GiB", Double($0) / 1073741824) } ?? ""
            lines.append("  node \(node.id): cpus \(node.cpus.map(String.init).joined(separator: ","))\(mem)")
        }
        for c in machine.caches {
            lines.append("  L\(c.level) \(c.kind): \(c.sizeBytes / 1024) KiB x \(c.count)")
        }
        lines.append("  binding: \(machine.bindingAvailable ? "available" : "unavailable (the topology is not this machine)")")
        lines.append("topology: \(topology.name) (\(topology.source))")
        for a in topology.accelerators {
            let speed = a.speedFactor == 1 ? "" : String(format: ", speed x%.2f", a.speedFactor)
            lines.append("  \(a.name): \(a.dataflow.rawValue) (\(a.dataflow.summary)), cores \(a.cores.map(String.init).joined(separator: ",")) -> cpus \(a.cpus.map(String.init).joined(separator: ",")), NUMA node \(a.numaNode)\(speed), \(a.power.activeWatts) W active / \(a.power.idleWatts) W idle per core")
        }
        return lines.joined(separator: "\n")
    }
}
