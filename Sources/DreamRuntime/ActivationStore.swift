import DreamPlatform

/// Activation memory of a live run.
///
/// Each accelerator has two local buffers (ping-pong between the layers of a block) on its NUMA
/// node. Each job slot has a carry buffer holding its latest output between blocks: a block
/// loads the carry into local memory, runs its layers, and stores the last output back, as an
/// accelerator saves its context at a preemption point. Those copies are counted as DRAM
/// traffic. Stream inputs (the camera / sensor frames) are random tensors made once.
final class ActivationStore: @unchecked Sendable {
    let elements: Int
    let local: [(NUMABuffer, NUMABuffer)]
    let inputs: [NUMABuffer]
    /// Carry buffers by slot, grown under the coordinator lock only (workers reach a carry
    /// through the runtime's pointer table, never through this array).
    private(set) var carry: [NUMABuffer] = []
    /// Valid elements of each slot's carry: fixed storage for every slot the core can make, so a
    /// worker writing its slot's count never races the coordinator growing the carries (a Swift
    /// array appended to under the lock while a worker stores into it can reallocate under it).
    /// Each slot has one writer at a time: the coordinator at release, the slot's worker after.
    let carryElements: UnsafeMutablePointer<Int>
    let slotCapacity: Int

    init(elements: Int, slots: Int, acceleratorNodes: [Int], streamInputElements: [Int], seed: UInt64) throws {
        let size = max(elements, 16)
        self.elements = size
        slotCapacity = max(1, slots)
        carryElements = .allocate(capacity: slotCapacity)
        carryElements.initialize(repeating: 0, count: slotCapacity)
        local = try acceleratorNodes.map { node in
            (try NUMABuffer(byteCount: size * 4, node: node), try NUMABuffer(byteCount: size * 4, node: node))
        }
        var state = seed &+ 0x9E3779B97F4A7C15
        inputs = try streamInputElements.map { n in
            let b = try NUMABuffer(byteCount: max(n, 16) * 4, node: acceleratorNodes.first ?? 0)
            let f = b.floats()
            for i in 0..<n {
                state = state &* 6364136223846793005 &+ 1442695040888963407
                f[i] = Float(Int32(truncatingIfNeeded: state >> 33)) / Float(Int32.max)
            }
            return b
        }
    }

    deinit { carryElements.deallocate() }

    /// Makes sure slot `slot` has a carry buffer (coordinator lock held).
    func ensureCarry(_ slot: Int, node: Int) throws {
        precondition(slot < slotCapacity, "slot \(slot) beyond the \(slotCapacity) the execution core can make")
        while carry.count <= slot {
            carry.append(try NUMABuffer(byteCount: elements * 4, node: node))
        }
    }
}
