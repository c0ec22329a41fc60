import DreamCore
import DreamEngine
import DreamWorkloads

extension EngineWorkload {
    /// The engine's view of a generated trace: streams with their (scaled) variants and skip
    /// blocks by index, frames with skip masks. Every scheduler gets the same one.
    public init(trace: WorkloadTrace) {
        var streams: [StreamDescription] = []
        for s in trace.streams {
            let blockNames = s.model.skipBlockNames
            let variants = s.model.variants.map { v in
                VariantDescription(name: v.name, accuracy: v.accuracy, layers: v.layers,
                                   blockRanges: blockNames.map { name in
                                       v.skipBlocks.first { $0.name == name }.map { $0.first..<($0.last + 1) }
                                   })
            }
            streams.append(StreamDescription(name: s.name, periodNs: Int64(s.periodNs), variants: variants,
                                             blockNames: blockNames, upstream: s.upstream))
        }
        let frames = trace.frames.map { f in
            var mask: UInt64 = 0
            let names = streams[f.stream].blockNames
            for name in f.skipped {
                if let b = names.firstIndex(of: name), b < 64 { mask |= 1 << UInt64(b) }
            }
            return FrameDescription(id: f.id, stream: f.stream, sequence: f.sequence, releaseNs: Int64(f.releaseNs),
                                    deadlineNs: Int64(f.deadlineNs), upstream: f.upstream, skipMask: mask)
        }
        self.init(name: trace.scenario.name, streams: streams, frames: frames, durationNs: Int64(trace.durationNs))
    }
}
