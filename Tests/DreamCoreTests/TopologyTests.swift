import Foundation
import Testing
@testable import DreamCore

/// The repository root, found from this file's path (tests run from anywhere).
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

func parseTopology(_ yaml: String) throws -> TopologySpec {
    try TopologySpec.parse(yaml, file: "test.yaml")
}

/// The error `body` throws, which must be a DreamInputError.
func inputError(_ body: () throws -> Void) -> DreamInputError? {
    do { try body() } catch let e as DreamInputError { return e } catch { return nil }
    return nil
}

@Suite struct TopologyParsingTests {
    @Test(arguments: ["dual-ws-os", "big-little", "quad-mixed", "two-numa-nodes"])
    func shippedTopologyParsesAndResolves(name: String) throws {
        let path = repositoryRoot.appendingPathComponent("topologies/\(name).yaml").path
        let spec = try TopologySpec.parse(ShippedFiles.readText(path, what: "topology"), file: path)
        #expect(spec.name == name)
        #expect(!spec.accelerators.isEmpty)
        // Every shipped file fits a machine of 16 cores on 4 nodes.
        let resolved = try spec.resolve(on: .synthetic(cores: 16, nodes: 4))
        let all = resolved.accelerators.flatMap(\.cores)
        #expect(Set(all).count == all.count, "no core is given twice")
    }

    @Test func autoOnTwoCoresIsOneWSAndOneOS() throws {
        let machine = MachineDescription.synthetic(cores: 2)
        let r = try TopologySpec.auto(for: machine).resolve(on: machine)
        #expect(r.accelerators.map(\.dataflow) == [.ws, .os])
        #expect(r.accelerators.map(\.cores) == [[0], [1]])
    }

    @Test(arguments: [1, 3, 4, 6, 8, 64])
    func autoUsesEveryCoreOnce(cores: Int) throws {
        let machine = MachineDescription.synthetic(cores: cores, nodes: cores >= 8 ? 2 : 1)
        let r = try TopologySpec.auto(for: machine).resolve(on: machine)
        #expect(r.accelerators.flatMap(\.cores).sorted() == Array(0..<cores))
        if cores >= 2 { #expect(Set(r.accelerators.map(\.dataflow)).count >= 2, "heterogeneous") }
    }

    @Test func countsArePlacedOnTheirNode() throws {
        let spec = try parseTopology("""
            accelerators:
              - {name: a, dataflow: ws, core_count: 2, numa_node: 1}
              - {name: b, dataflow: os, cores: [0]}
            """)
        let machine = MachineDescription.synthetic(cores: 4, nodes: 2)
        let r = try spec.resolve(on: machine)
        #expect(r.accelerators[0].cores == [2, 3])
        #expect(r.accelerators[0].numaNode == 1)
        #expect(r.accelerators[1].cores == [0])
    }

    @Test func powerDefaultsAndOverrides() throws {
        let spec = try parseTopology("""
            accelerators:
              - name: a
                dataflow: rs
                cores: [0]
                speed_factor: 0.5
                power: {active_watts: 3, pj_per_byte: {dram: 100}}
            """)
        let p = spec.accelerators[0].power
        #expect(p.activeWatts == 3 && p.idleWatts == PowerModel.default.idleWatts)
        #expect(p.picojoulesPerByte[.dram] == 100 && p.picojoulesPerByte[.l1] == 1.25)
        #expect(spec.accelerators[0].speedFactor == 0.5)
    }

    @Test func energyModelAddsItsParts() {
        let p = PowerModel(activeWatts: 2, idleWatts: 0.5, picojoulesPerMAC: 1, picojoulesPerByte: [.dram: 10])
        let e = p.energy(cores: 2, wallSeconds: 1, busyCoreSeconds: 0.5, macs: 1e12, bytes: [.dram: 1e11])
        // 0.5*2*1 + 1.5*0.5 + 1 + 1
        #expect(abs(e - 3.75) < 1e-9)
    }
}

@Suite struct TopologyValidationTests {
    let twoCores = MachineDescription.synthetic(cores: 2)

    func resolveError(_ yaml: String, on machine: MachineDescription? = nil) -> DreamInputError? {
        inputError { _ = try parseTopology(yaml).resolve(on: machine ?? twoCores) }
    }

    @Test func unknownCoreNamesTheField() throws {
        let e = try #require(resolveError("accelerators:\n  - {name: a, dataflow: ws, cores: [99]}"))
        #expect(e.file == "test.yaml")
        #expect(e.field.contains("accelerators[0]") && e.field.contains("cores"))
        #expect(e.problem.contains("core 99 does not exist"))
        #expect(e.exitCode != 0)
    }

    @Test func coreUsedTwice() throws {
        let e = try #require(resolveError("""
            accelerators:
              - {name: a, dataflow: ws, cores: [0]}
              - {name: b, dataflow: os, cores: [0]}
            """))
        #expect(e.problem.contains("already used by accelerator `a`"))
        #expect(e.field.contains("accelerators[1]"))
        let dup = try #require(resolveError("accelerators:\n  - {name: a, dataflow: ws, cores: [1, 1]}"))
        #expect(dup.problem.contains("twice"))
    }

    @Test func moreCoresThanExist() throws {
        let e = try #require(resolveError("accelerators:\n  - {name: a, dataflow: ws, core_count: 3}"))
        #expect(e.field.contains("core_count"))
        #expect(e.problem.contains("asks for 3 cores but only 2 are free"))
    }

    /// The simulator needs no cores: a topology larger than the host resolves on a synthetic
    /// machine (and says so); one that fits stays on the host; an inconsistent file is refused.
    @Test func simulationResolvesAnyTopologyOnASyntheticMachine() throws {
        let big = try parseTopology("accelerators:\n  - {name: big, dataflow: os, core_count: 2}\n  - {name: little, dataflow: ws, core_count: 1}\n  - {name: far, dataflow: rs, core_count: 1, numa_node: 1}")
        #expect(resolveError("accelerators:\n  - {name: a, dataflow: ws, core_count: 3}") != nil, "live resolution stays strict")
        let (topo, synthetic) = try big.resolveForSimulation(on: twoCores)
        #expect(topo.accelerators.map(\.coreCount) == [2, 1, 1])
        let machine = try #require(synthetic)
        #expect(!machine.bindingAvailable && machine.numaNodes.count == 2)
        let small = try parseTopology("accelerators:\n  - {name: a, dataflow: ws, cores: [0]}\n  - {name: b, dataflow: os, cores: [1]}")
        #expect(try small.resolveForSimulation(on: twoCores).synthetic == nil)
        let twice = try parseTopology("accelerators:\n  - {name: a, dataflow: ws, cores: [0]}\n  - {name: b, dataflow: os, cores: [0]}")
        #expect(inputError { _ = try twice.resolveForSimulation(on: twoCores) }?.problem.contains("already used") == true)
    }

    @Test func absentNUMANode() throws {
        let e = try #require(resolveError("accelerators:\n  - {name: a, dataflow: ws, core_count: 1, numa_node: 1}"))
        #expect(e.field.contains("numa_node"))
        #expect(e.problem.contains("NUMA node 1 does not exist"))
    }

    @Test func emptyAcceleratorList() throws {
        let e = try #require(inputError { _ = try parseTopology("accelerators: []") })
        #expect(e.field.contains("accelerators") && e.problem == "is empty")
    }

    @Test func missingField() throws {
        let e = try #require(inputError { _ = try parseTopology("accelerators:\n  - {name: a, cores: [0]}") })
        #expect(e.field.contains("dataflow") && e.problem == "is missing")
        let noAccel = try #require(inputError { _ = try parseTopology("name: x") })
        #expect(noAccel.field.contains("accelerators"))
    }

    @Test func mistypedFields() throws {
        let wrongType = try #require(inputError { _ = try parseTopology("accelerators:\n  - {name: a, dataflow: ws, cores: [zero]}") })
        #expect(wrongType.field.contains("cores[0]") && wrongType.problem.contains("integer"))
        let badFlow = try #require(inputError { _ = try parseTopology("accelerators:\n  - {name: a, dataflow: xs, cores: [0]}") })
        #expect(badFlow.field.contains("dataflow") && badFlow.fix.contains("ws, os, rs"))
        let typo = try #require(inputError { _ = try parseTopology("accelerators:\n  - {name: a, dataflow: ws, cores: [0], speed_factr: 2}") })
        #expect(typo.field.contains("speed_factr") && typo.problem.contains("not a known field"))
        let negative = try #require(inputError { _ = try parseTopology("accelerators:\n  - {name: a, dataflow: ws, cores: [0], power: {idle_watts: -1}}") })
        #expect(negative.field.contains("power.idle_watts"))
        let notList = try #require(inputError { _ = try parseTopology("accelerators: 3") })
        #expect(notList.problem.contains("must be a list"))
    }

    @Test func syntaxErrorsGiveALine() throws {
        let e = try #require(inputError { _ = try parseTopology("accelerators:\n  - {name: a, dataflow: ws\n  cores: [0") })
        #expect(e.field.contains("line"))
        let empty = try #require(inputError { _ = try parseTopology("") })
        #expect(empty.problem == "is empty")
    }

    @Test func fieldsCarryLineNumbers() throws {
        let e = try #require(resolveError("name: x\naccelerators:\n  - name: a\n    dataflow: ws\n    cores: [7]\n"))
        #expect(e.problem.contains("core 7"))
        let typo = try #require(inputError { _ = try parseTopology("name: x\naccelerators:\n  - name: a\n    dataflow: ws\n    cores: [0]\n    colour: red\n") })
        #expect(typo.field.contains("line 6"))
    }

    @Test func twoNumaNodesNeedsTwoNodes() throws {
        let path = repositoryRoot.appendingPathComponent("topologies/two-numa-nodes.yaml").path
        let spec = try TopologySpec.parse(ShippedFiles.readText(path, what: "topology"), file: path)
        let e = try #require(inputError { _ = try spec.resolve(on: .synthetic(cores: 2)) })
        #expect(e.file == path && e.field.contains("numa_node"))
        let ok = try spec.resolve(on: .synthetic(cores: 16, nodes: 4))
        #expect(ok.accelerators.map(\.numaNode) == [0, 1])
    }

    @Test func missingFileAndDirectory() throws {
        let e = try #require(inputError { _ = try TopologySpec.load("/nonexistent/t.yaml", machine: twoCores) })
        #expect(e.kind == .noInput && e.problem.contains("does not exist"))
        let d = try #require(inputError { _ = try TopologySpec.load(NSTemporaryDirectory(), machine: twoCores) })
        #expect(d.problem.contains("is a directory"))
    }
}
