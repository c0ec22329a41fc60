import DreamCore

/// One variant (supernet sub-network) of a stream's model, as the engine executes it.
public struct VariantDescription: Sendable, Hashable {
    public var name: String
    /// Accuracy of this variant (0...1) when known; used to report the accuracy cost of switching.
    public var accuracy: Double?
    public var layers: [LayerSpec]
    /// Index ranges of `layers` that form the stream's skippable blocks, by block index
    /// (`StreamDescription.blockNames`); nil where this variant lacks that block.
    public var blockRanges: [Range<Int>?]

    public init(name: String, accuracy: Double? = nil, layers: [LayerSpec], blockRanges: [Range<Int>?] = []) {
        self.name = name
        self.accuracy = accuracy
        self.layers = layers
        self.blockRanges = blockRanges
    }

    /// The indices of the layers that execute when the blocks flagged in `skipMask` are skipped.
    public func executedLayers(skipMask: UInt64) -> [Int32] {
        guard skipMask != 0 else { return (0..<layers.count).map { Int32($0) } }
        var skip = [Bool](repeating: false, count: layers.count)
        for (b, range) in blockRanges.enumerated() where b < 64 && skipMask & (1 << UInt64(b)) != 0 {
            if let range { for i in range { skip[i] = true } }
        }
        return (0..<layers.count).compactMap { skip[$0] ? nil : Int32($0) }
    }
}

/// A model instance in the scenario: one periodic (or cascaded) stream of frames.
public struct StreamDescription: Sendable, Hashable {
    public var name: String
    public var periodNs: Int64
    /// Variants, largest (default) first.
    public var variants: [VariantDescription]
    public var blockNames: [String]
    /// The stream whose frames this one's frames wait for, if it is a cascade.
    public var upstream: Int?

    public init(name: String, periodNs: Int64, variants: [VariantDescription], blockNames: [String] = [], upstream: Int? = nil) {
        self.name = name
        self.periodNs = periodNs
        self.variants = variants
        self.blockNames = blockNames
        self.upstream = upstream
    }
}

/// One frame of the input trace: the same for every scheduler.
public struct FrameDescription: Sendable, Hashable {
    public var id: Int
    public var stream: Int
    public var sequence: Int
    /// Nominal release, ns from the run's start. A cascade frame is released when its upstream
    /// frame completes (never before this time).
    public var releaseNs: Int64
    public var deadlineNs: Int64
    /// Frame id of the upstream frame (cascades), or nil.
    public var upstream: Int?
    /// Bit b set: the stream's skippable block b is skipped on this frame.
    public var skipMask: UInt64

    public init(id: Int, stream: Int, sequence: Int, releaseNs: Int64, deadlineNs: Int64, upstream: Int? = nil, skipMask: UInt64 = 0) {
        self.id = id
        self.stream = stream
        self.sequence = sequence
        self.releaseNs = releaseNs
        self.deadlineNs = deadlineNs
        self.upstream = upstream
        self.skipMask = skipMask
    }
}

/// What the engine runs: streams and their frames, sorted by nominal release.
public struct EngineWorkload: Sendable {
    public var name: String
    public var streams: [StreamDescription]
    public var frames: [FrameDescription]
    public var durationNs: Int64
    /// Cascade downstream frame ids per frame id (frames that wait for it).
    public let dependents: [[Int]]

    public init(name: String, streams: [StreamDescription], frames: [FrameDescription], durationNs: Int64) {
        self.name = name
        self.streams = streams
        self.frames = frames
        self.durationNs = durationNs
        var deps = [[Int]](repeating: [], count: frames.count)
        for f in frames { if let u = f.upstream, u < frames.count { deps[u].append(f.id) } }
        self.dependents = deps
    }
}
