/// The C library's `rand()` as glibc implements it (the additive feedback generator behind
/// `srandom`/`random`, "TYPE_3": 31 words of state, r[i] = r[i-3] + r[i-31], output r >> 1),
/// so that a seeded reproduction draws the numbers the official XRBench runtime drew.
///
/// The official runtime calls `std::srand(std::time(nullptr))` and then draws
/// `float(rand()) / RAND_MAX`; seeding this generator with that Unix second replays its draws
/// (on a glibc system). The algorithm is the published glibc one, written from its description.
public struct GlibcRandom: Sendable, Hashable {
    public static let randMax: Int32 = 2_147_483_647

    private var state: [UInt32]   // a ring of 31 words
    private var rear = 0          // glibc's `rptr`; its `fptr` is 3 words ahead

    /// `srand(seed)`; glibc treats seed 0 as 1.
    public init(seed: UInt32) {
        var r = [Int32](repeating: 0, count: 31)
        r[0] = Int32(bitPattern: seed == 0 ? 1 : seed)
        for i in 1..<31 {
            // 16807 * r[i-1] mod (2^31 - 1), with Schrage's method as glibc does (no overflow).
            let word = r[i - 1]
            let hi = word / 127_773, lo = word % 127_773
            var next = 16_807 &* lo &- 2_836 &* hi
            if next < 0 { next &+= 2_147_483_647 }
            r[i] = next
        }
        state = r.map { UInt32(bitPattern: $0) }
        // glibc starts with rptr at word 0 and fptr at word 3, then discards 310 outputs.
        rear = 0
        for _ in 0..<310 { _ = step() }
    }

    private mutating func step() -> UInt32 {
        // *fptr += *rptr; the result is the new *fptr shifted right by one; both pointers advance.
        let f = (rear + 3) % 31
        let value = state[f] &+ state[rear]
        state[f] = value
        rear = (rear + 1) % 31
        return value >> 1
    }

    /// The next `rand()` value, 0 ... RAND_MAX.
    public mutating func next() -> Int32 { Int32(bitPattern: step()) }

    /// `(float) rand() / RAND_MAX`, in float32 as the official runtime computes it (in [0, 1]).
    public mutating func nextUnitFloat() -> Float { Float(next()) / Float(Self.randMax) }
}
