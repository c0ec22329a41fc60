import DreamEngine
import Foundation

/// What a live run produced.
public struct LiveResult {
    public let core: ExecutionCore
    public let wallNs: Int64
    public let partial: Bool
    public let stopSignal: Int32?
    public let raplJ: Double?
    public let dispatchLatencyNs: [Int64]
    public let parkedWakeups: Int
    /// CPUs each accelerator's worker was seen on (sched_getcpu at every block end).
    public let observedCPUs: [Set<Int>]
    public let pinErrors: [String]
    /// Resident memory sampled once a second: (ns since start, bytes).
    public let residentSamples: [(Int64, UInt64)]
    /// Steal, other load, stalls and slow blocks seen during the run, with a verdict.
    public internal(set) var interference: InterferenceReport?

    /// Resident-memory growth after warm-up (the first 10% of the samples, at least 1 s):
    /// (max of later samples - warm value) / warm value. Nil with fewer than 3 samples.
    public var residentGrowthAfterWarmup: Double? {
        guard residentSamples.count >= 3 else { return nil }
        let warmIndex = max(1, residentSamples.count / 10)
        let warm = Double(residentSamples[warmIndex].1)
        let later = residentSamples[warmIndex...].map { Double($0.1) }.max() ?? warm
        return (later - warm) / warm
    }

    init(core: ExecutionCore, workers: [AcceleratorWorker], wallNs: Int64, partial: Bool, stopSignal: Int32?, raplJ: Double?,
         residentSamples: [(Int64, UInt64)]) {
        self.residentSamples = residentSamples
        self.core = core
        self.wallNs = wallNs
        self.partial = partial
        self.stopSignal = stopSignal
        self.raplJ = raplJ
        dispatchLatencyNs = workers.flatMap(\.dispatchLatencyNs)
        parkedWakeups = workers.reduce(0) { $0 + $1.parkedWakeups }
        observedCPUs = workers.map(\.observedCPUs)
        pinErrors = workers.compactMap(\.pinError)
    }

    /// Lateness of each periodic release against its schedule, ns.
    public var releaseLatenessNs: [Int64] {
        core.frames.enumerated().compactMap { i, f in
            core.workload.frames[i].upstream == nil && f.releaseNs >= 0 ? f.releaseNs - f.scheduledReleaseNs : nil
        }
    }
}
