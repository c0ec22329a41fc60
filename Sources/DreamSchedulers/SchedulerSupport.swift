import DreamEngine

/// Per-slot marks that reset in O(1) per decision (a generation counter), so policies can note
/// "already assigned in this decision" without clearing or allocating.
struct SlotMarks {
    private var stamp: [UInt32] = []
    private var generation: UInt32 = 1

    mutating func reserve(_ n: Int) {
        if stamp.count < n { stamp.append(contentsOf: repeatElement(0, count: n - stamp.count)) }
    }

    /// Starts a new decision: every mark is cleared. Grows only when the core made new slots.
    mutating func begin(slots: Int) {
        if stamp.count < slots { reserve(max(slots, stamp.count * 2)) }
        generation &+= 1
        if generation == 0 {
            for i in stamp.indices { stamp[i] = 0 }
            generation = 1
        }
    }

    @inline(__always) func isMarked(_ slot: Int32) -> Bool { stamp[Int(slot)] == generation }
    @inline(__always) mutating func mark(_ slot: Int32) { stamp[Int(slot)] = generation }
}

/// Per-accelerator "taken in this decision" flags over the accelerators' idle state.
struct AcceleratorMarks {
    var taken: [Bool] = []
    mutating func begin(_ state: SchedulerState) {
        if taken.count != state.acceleratorCount {
            taken = [Bool](repeating: false, count: state.acceleratorCount)
        }
        for a in 0..<state.acceleratorCount { taken[a] = !state.accelerators[a].isIdle }
    }
    @inline(__always) func isFree(_ a: Int) -> Bool { !taken[a] }
    @inline(__always) mutating func take(_ a: Int) { taken[a] = true }
    var anyFree: Bool { taken.contains(false) }
}

extension SchedulerState {
    /// How many of the job's next layers fit in `budgetNs` on `accelerator` (at least one, at
    /// most all remaining).
    @inline(__always)
    func layersWithin(_ slot: Int32, budgetNs: Double, on accelerator: Int) -> Int32 {
        let remaining = jobs[Int(slot)].remainingLayers
        guard budgetNs.isFinite else { return remaining }
        var count: Int32 = 1
        var p = jobs[Int(slot)].next
        var total = layerNs(slot, position: p, on: accelerator)
        p += 1
        while count < remaining {
            let l = layerNs(slot, position: p, on: accelerator)
            if total + l > budgetNs { break }
            total += l
            count += 1
            p += 1
        }
        return count
    }

    /// The idle, not yet taken accelerator with the least remaining time for `slot` (lowest
    /// index on a tie), or -1.
    @inline(__always)
    func fastestFree(_ slot: Int32, _ marks: AcceleratorMarks) -> Int {
        var best = -1
        var bestNs = Double.infinity
        for a in 0..<acceleratorCount where marks.isFree(a) {
            let t = remainingNs(slot, on: a)
            if t < bestNs { bestNs = t; best = a }
        }
        return best
    }
}
