import Foundation
import Testing
import DreamCore
import DreamTestSupport
@testable import DreamPlatform

@Suite(.serialized) struct MachineDiscoveryTests {
    @Test func discoversThisMachine() throws {
        let m = try MachineDiscovery.discover()
        #expect(m.isThisSystem)
        #expect(m.cores.count == ProcessInfo.processInfo.activeProcessorCount || m.processingUnits == ProcessInfo.processInfo.activeProcessorCount)
        #expect(!m.numaNodes.isEmpty)
        #expect(m.cores.allSatisfy { !$0.cpus.isEmpty })
        #expect(m.caches.contains { $0.level == 1 && $0.sizeBytes > 0 })
    }

    /// hwloc reads HWLOC_SYNTHETIC at load time, so a child process is the clean way to see a
    /// multi-node machine without disturbing this one.
    @Test func syntheticMultiNodeLayoutThroughTheCLI() throws {
        let dream = try dreamExecutable()
        let (status, out, _) = try run(dream, ["topology", "--json", "--topology", "two-numa-nodes"],
                                       env: ["HWLOC_SYNTHETIC": "package:2 numa:2 core:4 pu:1"])
        #expect(status == 0)
        let json = try JSONSerialization.jsonObject(with: Data(out.utf8)) as! [String: Any]
        #expect(json["binding_available"] as? Bool == false)
        let machine = json["machine"] as! [String: Any]
        #expect((machine["numa_nodes"] as! [Any]).count == 4)
        #expect((machine["cores"] as! [Any]).count == 16)
        let accs = (json["topology"] as! [String: Any])["accelerators"] as! [[String: Any]]
        #expect(accs.map { $0["numa_node"] as! Int } == [0, 1])
        #expect(accs[1]["cores"] as! [Int] == [4, 5])
    }

    @Test func topologyCommandOnThisMachine() throws {
        let (status, out, _) = try run(try dreamExecutable(), ["topology", "--json"])
        #expect(status == 0)
        let json = try JSONSerialization.jsonObject(with: Data(out.utf8)) as! [String: Any]
        #expect(json["binding_available"] as? Bool == true)
        let topo = json["topology"] as! [String: Any]
        #expect(topo["name"] as? String == "auto")
    }

    @Test func unknownCoreExitsNonZeroNamingTheField() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("core99-\(getpid()).yaml")
        try "accelerators:\n  - name: a\n    dataflow: ws\n    cores: [99]\n".write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let (status, _, err) = try run(try dreamExecutable(), ["topology", "--topology", file.path])
        #expect(status == 69)
        #expect(err.contains(file.path) && err.contains("cores") && err.contains("core 99 does not exist"))
        #expect(!err.contains("Fatal error"))
    }

    @Test func unknownTopologyName() throws {
        let (status, _, err) = try run(try dreamExecutable(), ["topology", "--topology", "no-such-layout"])
        #expect(status == 66)
        #expect(err.contains("dual-ws-os"), "the message lists the shipped names")
    }
}

@Suite(.serialized) struct PinningTests {
    @Test func pinEachCoreAndCheckSchedGetcpu() throws {
        let machine = try MachineDiscovery.discover()
        for core in machine.cores {
            let cpu = core.cpus[0]
            let seen = try onNewThread { () throws -> [Int] in
                try ThreadPinning.pinCurrentThread(to: [cpu])
                var cpus: [Int] = []
                for _ in 0..<50 {
                    cpus.append(ThreadPinning.currentCPU() ?? -1)
                    var x = 0.0
                    for i in 0..<20_000 { x += Double(i).squareRoot() }   // give the scheduler chances to move us
                    if x < 0 { print(x) }
                }
                #expect(ThreadPinning.allowedCPUs() == [cpu])
                return cpus
            }
            #expect(Set(seen) == [cpu], "a thread pinned to cpu \(cpu) ran on \(Set(seen))")
        }
    }

    @Test func pinningToAMissingCPUFails() {
        #expect(throws: ThreadPinning.Failure.self) { try ThreadPinning.pinCurrentThread(to: [100_000]) }
    }

    @Test func allocateOnANode() throws {
        let machine = try MachineDiscovery.discover()
        for node in machine.numaNodes {
            let buffer = try NUMABuffer(byteCount: 1 << 20, node: node.id)
            #expect(buffer.byteCount >= 1 << 20)
            let f = buffer.floats()
            for i in 0..<(1 << 18) { f[i] = Float(i) }
            #expect(f[(1 << 18) - 1] == Float((1 << 18) - 1))
            if buffer.isNodeBound { #expect(buffer.residentNode() == node.id) }
        }
        #expect(throws: NUMABuffer.Failure.self) { _ = try NUMABuffer(byteCount: 4096, node: 4096) }
    }

    @Test func timerSlackAndClock() {
        let a = RealTime.nowNanoseconds()
        #expect(RealTime.setTimerSlack(nanoseconds: 1) == 0)
        RealTime.sleep(untilNanoseconds: a + 2_000_000)
        let b = RealTime.nowNanoseconds()
        #expect(b >= a + 2_000_000)
    }
}

// MARK: helpers

/// Runs `body` on a fresh thread (so pinning does not leak into the test runner's threads).
func onNewThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) throws -> T {
    let box = ResultBox<T>()
    let thread = Thread { box.set(Result { try body() }) }
    thread.start()
    return try box.wait().get()
}

final class ResultBox<T: Sendable>: @unchecked Sendable {
    private let condition = NSCondition()
    private var value: Result<T, Error>?
    func set(_ v: Result<T, Error>) { condition.lock(); value = v; condition.signal(); condition.unlock() }
    func wait() -> Result<T, Error> {
        condition.lock(); defer { condition.unlock() }
        while value == nil { condition.wait() }
        return value!
    }
}

func run(_ exe: URL, _ args: [String], env: [String: String] = [:]) throws -> (Int32, String, String) {
    let r = try runProcess(exe, args, env: env, timeout: 60)
    return (r.status, r.stdout, r.stderr)
}
