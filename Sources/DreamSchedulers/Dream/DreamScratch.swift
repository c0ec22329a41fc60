/// Every scratch buffer of DREAM's `decide`, owned in one place: allocated together in `init`,
/// freed together in `deinit`. A decision allocates nothing: the scheduler makes a larger
/// scratch only when the core created more job slots than this one holds (rare).
///
/// Plain pointers, not arrays: no bounds, uniqueness or exclusivity checks on the decision path.
/// Per job slot (s), per (slot, accelerator) pair (s * A + a), per ready job (index i of this
/// decision), per free accelerator (index f into `freeAcc`) or per accelerator (a).
final class DreamScratch {
    let slots: Int

    // Per ready job (i).
    let ready: UnsafeMutablePointer<Int32>
    let chosenVariant: UnsafeMutablePointer<Int32>
    /// Its chosen variant differs from its current one (`switchedRemaining` holds its times).
    let rowSwitched: UnsafeMutablePointer<Bool>
    /// Free-accelerator index it was assigned (-1: none yet, -2: shed).
    let assignedTo: UnsafeMutablePointer<Int32>
    let latestStart: UnsafeMutablePointer<Double>
    let due: UnsafeMutablePointer<Double>
    /// Its pair scores on the free accelerators (i * A + f).
    let pair: UnsafeMutablePointer<Double>
    /// Its best free accelerator not yet taken (index into freeAcc, -1: none) and that pair's
    /// score, so each assignment round scans jobs, not pairs. Before the row is scored
    /// (`rowScored`), an upper bound of that score instead (see `rowCursor`).
    let rowBest: UnsafeMutablePointer<Int32>
    let rowBestScore: UnsafeMutablePointer<Double>
    /// Its pair score's parameters (what `PairScore.score` needs besides the per-slot cache), and
    /// whether `pair` holds its scores yet: a row is scored only when a bound says it may matter.
    let rowScore: UnsafeMutablePointer<PairScore>
    let rowScored: UnsafeMutablePointer<Bool>
    /// While not scored: the position in its slot's `cacheOrder` of the accelerator whose pair
    /// bound is its `rowBestScore` (then an upper bound, not a score).
    let rowCursor: UnsafeMutablePointer<Int32>
    /// Overload shedding: its deadline, its work at best speed with its cascade work, its
    /// worth per unit of work (`StreamOutlook.shedDensity`, the victim's measure), the ready
    /// jobs in deadline order, and whether it was shed.
    let shedDeadline: UnsafeMutablePointer<Double>
    let shedNeed: UnsafeMutablePointer<Double>
    let shedDensity: UnsafeMutablePointer<Double>
    let shedOrder: UnsafeMutablePointer<Int32>
    let shed: UnsafeMutablePointer<Bool>

    // Per slot (s) and pair (s * A + a): the cache of next-layer quantities, keyed by
    // (frame, next, variant); see `DreamScheduler.refreshCache`.
    let cacheKey: UnsafeMutablePointer<Int64>
    let cacheLayerCount: UnsafeMutablePointer<Int32>
    /// The least remaining time and the accelerator that has it.
    let cacheBest: UnsafeMutablePointer<Double>
    let cacheBestAcc: UnsafeMutablePointer<Int32>
    /// 1 / (fairnessHorizonLayers x fastest next layer): the fairness term per ns waited.
    let cacheFairnessScale: UnsafeMutablePointer<Double>
    /// Remaining time if every remaining layer ran on its fastest accelerator (hopping), and
    /// the same for the layers after the next one.
    let cacheHop: UnsafeMutablePointer<Double>
    let cacheHopAfterNext: UnsafeMutablePointer<Double>
    let cacheRem: UnsafeMutablePointer<Double>
    let cacheNextNs: UnsafeMutablePointer<Double>
    let cacheNextJ: UnsafeMutablePointer<Double>
    let cacheEnergyRatio: UnsafeMutablePointer<Double>
    let cacheLatencyRatio: UnsafeMutablePointer<Double>
    let cacheOccupancy: UnsafeMutablePointer<Double>
    /// The largest remaining time over the accelerators (a lower bound of its latest starts).
    let cacheRemMax: UnsafeMutablePointer<Double>
    /// Every ratio and occupancy in [0, 1] (NaN is not) and no remaining time negative:
    /// `canRun` may then test the filters alone.
    let cacheInRange: UnsafeMutablePointer<Bool>
    /// Per pair: an upper bound of the preference part of its score, `wP x ... x occupancy` as
    /// `PairScore` rounds it, for the weight in `cacheBoundWeight` (per slot; NaN: none yet).
    let cacheBound: UnsafeMutablePointer<Double>
    let cacheBoundWeight: UnsafeMutablePointer<Double>
    /// Per pair: the slot's accelerators in decreasing bound order (ties: the lower index),
    /// and their bounds in that order.
    let cacheOrder: UnsafeMutablePointer<Int32>
    let cacheSortedBound: UnsafeMutablePointer<Double>
    /// Remaining time at a variant chosen in this decision (s * A + a).
    let switchedRemaining: UnsafeMutablePointer<Double>

    // Per accelerator.
    /// The free accelerators (`freeCount`) and whether each was taken in this assignment.
    let freeAcc: UnsafeMutablePointer<Int32>
    let freeTaken: UnsafeMutablePointer<Bool>
    /// The free accelerators (indices into freeAcc) not yet taken, in increasing order.
    let untaken: UnsafeMutablePointer<Int32>
    let busyAcc: UnsafeMutablePointer<Int32>
    /// When each accelerator can start a new block (now when idle).
    let freeAt: UnsafeMutablePointer<Double>
    /// The job slot each busy accelerator runs and that frame's deadline (busy ones only).
    let runningSlot: UnsafeMutablePointer<Int32>
    let runningDue: UnsafeMutablePointer<Double>
    /// Per free accelerator (f * pressedDepth + e): the ready jobs with the earliest latest
    /// starts there (not before now), earliest first (ties: the older job), at most
    /// `pressedDepth` of them; found while scoring (the deadline guard), whether a job may run
    /// there is checked when the list is read. Once a list is full, `pressedBound` is its last
    /// start (+infinity before).
    static let pressedDepth = 4
    let pressedRows: UnsafeMutablePointer<Int32>
    let pressedStarts: UnsafeMutablePointer<Double>
    let pressedCount: UnsafeMutablePointer<Int32>
    let pressedBound: UnsafeMutablePointer<Double>
    /// Largest `pressedBound` over this decision's free accelerators (+infinity while any list
    /// is not full), how many lists are not full, and the free count the lists were cleared for.
    var pressedBoundMax = Double.infinity
    var pressedOpen = 0
    var pressedFree = 0
    /// Per ready job, once a list ran dry with many accelerators left (`mostPressedSorted`): a
    /// lower bound of its latest starts, the jobs in increasing bound, and the first of them
    /// that may not be out yet; `pressedSorted` once this decision's order is made.
    let pressedLowerBound: UnsafeMutablePointer<Double>
    let pressedOrder: UnsafeMutablePointer<Int32>
    var pressedScanStart = 0
    var pressedSorted = false
    /// Per accelerator: its index among this decision's free accelerators (-1: busy, or taken
    /// in this assignment).
    let freeIndex: UnsafeMutablePointer<Int32>
    /// One job's scores on every accelerator, and a switched job's latency ratios and occupancies.
    let scores: UnsafeMutablePointer<Double>
    let switchedLatencyRatio: UnsafeMutablePointer<Double>
    let switchedOccupancy: UnsafeMutablePointer<Double>

    private let blocks: [UnsafeMutableRawPointer]

    init(slots: Int, accelerators: Int) {
        self.slots = slots
        let pairs = slots * max(1, accelerators)
        var arena = Arena()
        ready = arena.make(slots, -1)
        chosenVariant = arena.make(slots, -1)
        rowSwitched = arena.make(slots, false)
        assignedTo = arena.make(slots, -1)
        latestStart = arena.make(slots, 0)
        due = arena.make(slots, 0)
        pair = arena.make(pairs, 0)
        rowBest = arena.make(slots, -1)
        rowBestScore = arena.make(slots + Self.keyChunk, -.infinity)
        rowScore = arena.make(slots, PairScore(base: 0, preference: 0, down: 0, inverseSlack: 0, gateExponent: 2, limit: 0,
                                               hopAfterNext: 0, busyFinish: .infinity, busyOffset: 0, busyEnergy: 0))
        rowScored = arena.make(slots, false)
        rowCursor = arena.make(slots, 0)
        shedDeadline = arena.make(slots, 0)
        shedNeed = arena.make(slots, 0)
        shedDensity = arena.make(slots, 1)
        shedOrder = arena.make(slots, 0)
        shed = arena.make(slots, false)
        cacheKey = arena.make(slots, -1)
        cacheLayerCount = arena.make(slots, 0)
        cacheBest = arena.make(slots, 0)
        cacheBestAcc = arena.make(slots, 0)
        cacheFairnessScale = arena.make(slots, 0)
        cacheHop = arena.make(slots, 0)
        cacheHopAfterNext = arena.make(slots, 0)
        cacheRem = arena.make(pairs, 0)
        cacheNextNs = arena.make(pairs, 0)
        cacheNextJ = arena.make(pairs, 0)
        cacheEnergyRatio = arena.make(pairs, 1)
        cacheLatencyRatio = arena.make(pairs, 1)
        cacheOccupancy = arena.make(pairs, 1)
        cacheRemMax = arena.make(slots, .infinity)
        cacheInRange = arena.make(slots, false)
        cacheBound = arena.make(pairs, 0)
        cacheBoundWeight = arena.make(slots, .nan)
        cacheOrder = arena.make(pairs, 0)
        cacheSortedBound = arena.make(pairs, .infinity)
        switchedRemaining = arena.make(pairs, 0)
        freeAcc = arena.make(accelerators, 0)
        freeTaken = arena.make(accelerators, false)
        untaken = arena.make(accelerators, 0)
        busyAcc = arena.make(accelerators, 0)
        freeAt = arena.make(accelerators, 0)
        runningSlot = arena.make(accelerators, -1)
        runningDue = arena.make(accelerators, -.infinity)
        pressedRows = arena.make(accelerators * Self.pressedDepth, -1)
        pressedStarts = arena.make(accelerators * Self.pressedDepth, .infinity)
        pressedCount = arena.make(accelerators, 0)
        pressedBound = arena.make(accelerators, .infinity)
        freeIndex = arena.make(accelerators, -1)
        pressedLowerBound = arena.make(slots, 0)
        pressedOrder = arena.make(slots, 0)
        scores = arena.make(accelerators, 0)
        switchedLatencyRatio = arena.make(accelerators, 1)
        switchedOccupancy = arena.make(accelerators, 1)
        blocks = arena.blocks
    }

    deinit { for b in blocks { b.deallocate() } }

    /// Rows per vector compare of the assignment's scan (`anyKey`); `rowBestScore` holds
    /// this many more entries, so a chunk never reads past it.
    static let keyChunk = 8

    /// Whether any of the `keyChunk` keys (`rowBestScore`) from row `i` on is above `bs`.
    @inline(__always)
    func anyKey(from i: Int, above bs: Double) -> Bool {
        // SIMD2 pairs: SIMD8's compare is lowered lane by lane through memory without AVX.
        let keys = UnsafeRawPointer(rowBestScore + i)
        let b = SIMD2<Double>(repeating: bs)
        let low = (keys.loadUnaligned(as: SIMD2<Double>.self) .> b) .| (keys.loadUnaligned(fromByteOffset: 16, as: SIMD2<Double>.self) .> b)
        let high = (keys.loadUnaligned(fromByteOffset: 32, as: SIMD2<Double>.self) .> b)
            .| (keys.loadUnaligned(fromByteOffset: 48, as: SIMD2<Double>.self) .> b)
        return any(low .| high)
    }

    /// Starts the pressed lists of this decision's `freeCount` free accelerators empty.
    @inline(__always)
    func clearPressed(_ freeCount: Int) {
        for f in 0..<freeCount {
            pressedCount[f] = 0; pressedBound[f] = .infinity
        }
        pressedBoundMax = .infinity
        pressedOpen = freeCount
        pressedFree = freeCount
        pressedSorted = false
        pressedScanStart = 0
    }

    /// `pressedOrder[0..<n]` as the ready jobs in increasing `pressedLowerBound` (no NaN):
    /// heapsort, in place (no allocation).
    func sortPressedOrder(_ n: Int) {
        let key = pressedLowerBound, order = pressedOrder
        func siftDown(_ start: Int, _ end: Int) {
            var root = start
            while 2 * root + 1 < end {
                var child = 2 * root + 1
                if child + 1 < end && key[Int(order[child])] < key[Int(order[child + 1])] { child += 1 }
                guard key[Int(order[root])] < key[Int(order[child])] else { return }
                let t = order[root]; order[root] = order[child]; order[child] = t
                root = child
            }
        }
        var start = n / 2
        while start > 0 { start -= 1; siftDown(start, n) }
        var end = n
        while end > 1 {
            end -= 1
            let t = order[0]; order[0] = order[end]; order[end] = t
            siftDown(0, end)
        }
        pressedSorted = true
    }

    /// Notes ready job `i`, which can still make it on free accelerator `f` if it starts by
    /// `start` (call only when now <= start < pressedBound[f]).
    @inline(__always)
    func notePressed(_ f: Int, _ i: Int32, _ start: Double) {
        let depth = Self.pressedDepth
        let rows = pressedRows + f * depth, starts = pressedStarts + f * depth
        var e = Int(pressedCount[f])
        if e == depth { e -= 1 } else { pressedCount[f] += 1 }
        // Insertion after every entry that starts no later (the older job first on a tie).
        while e > 0 && starts[e - 1] > start { rows[e] = rows[e - 1]; starts[e] = starts[e - 1]; e -= 1 }
        rows[e] = i
        starts[e] = start
        guard pressedCount[f] == Int32(depth) else { return }
        let old = pressedBound[f]
        pressedBound[f] = starts[depth - 1]
        if old == .infinity { pressedOpen -= 1 }
        // The largest bound: once every list is full, and again when the largest one fell.
        if pressedOpen == 0 && f < pressedFree && (old == .infinity || old == pressedBoundMax) {
            var m = -Double.infinity
            for k in 0..<pressedFree { m = max(m, pressedBound[k]) }
            pressedBoundMax = m
        }
    }

    /// Hands out initialized buffers of plain values and remembers them for `deinit`.
    private struct Arena {
        var blocks: [UnsafeMutableRawPointer] = []
        mutating func make<T: BitwiseCopyable>(_ n: Int, _ fill: T) -> UnsafeMutablePointer<T> {
            let p = UnsafeMutablePointer<T>.allocate(capacity: max(1, n))
            p.initialize(repeating: fill, count: max(1, n))
            blocks.append(UnsafeMutableRawPointer(p))
            return p
        }
    }
}
