/// Memory levels at which tile loops move data; energy per byte differs by level.
public enum MemoryLevel: String, Sendable, Hashable, Codable, CaseIterable {
    case l1, l2, llc, dram
}

/// An emulated accelerator's energy model. The energy of a run on it is
///
///     E = idle_watts * cores * wall_time
///       + (active_watts - idle_watts) * busy_core_time
///       + pj_per_mac * MACs + sum over levels of pj_per_byte[level] * bytes[level]
///
/// where busy time is measured and MACs and bytes are counted by the kernels that ran. Watts are
/// per core. Defaults and their sources are in topologies/README.md.
public struct PowerModel: Sendable, Hashable, Codable {
    public var activeWatts: Double
    public var idleWatts: Double
    public var picojoulesPerMAC: Double
    public var picojoulesPerByte: [MemoryLevel: Double]

    public init(activeWatts: Double = PowerModel.default.activeWatts,
                idleWatts: Double = PowerModel.default.idleWatts,
                picojoulesPerMAC: Double = PowerModel.default.picojoulesPerMAC,
                picojoulesPerByte: [MemoryLevel: Double] = PowerModel.default.picojoulesPerByte) {
        self.activeWatts = activeWatts
        self.idleWatts = idleWatts
        self.picojoulesPerMAC = picojoulesPerMAC
        self.picojoulesPerByte = picojoulesPerByte
    }

    /// Defaults (per core), documented with sources in topologies/README.md:
    /// - 2.5 W active, 0.5 W idle per core: the order of a server Zen 4 core's share of package
    ///   power (AMD EPYC 9654: 360 W TDP over 96 cores = 3.75 W including uncore) and of a
    ///   core's C1 idle power. A model parameter, not a measurement of this machine.
    /// - 4.6 pJ per FP32 MAC: 3.7 pJ multiply + 0.9 pJ add (Horowitz, ISSCC 2014, 45 nm).
    /// - per byte: L1 1.25 pJ (8 KB SRAM, 10 pJ per 64-bit read), L2 12.5 pJ (1 MB SRAM,
    ///   100 pJ per 64-bit read), LLC 25 pJ (extrapolated x2 from 1 MB), DRAM 160 pJ
    ///   (1.3 nJ per 64-bit access); all Horowitz ISSCC 2014.
    public static let `default` = PowerModel(
        activeWatts: 2.5, idleWatts: 0.5, picojoulesPerMAC: 4.6,
        picojoulesPerByte: [.l1: 1.25, .l2: 12.5, .llc: 25, .dram: 160])

    /// Energy in joules for the given counts.
    public func energy(cores: Int, wallSeconds: Double, busyCoreSeconds: Double, macs: Double,
                       bytes: [MemoryLevel: Double]) -> Double {
        energy(cores: cores, wallSeconds: wallSeconds, busyCoreSeconds: busyCoreSeconds, macs: macs,
               l1: bytes[.l1] ?? 0, l2: bytes[.l2] ?? 0, llc: bytes[.llc] ?? 0, dram: bytes[.dram] ?? 0)
    }

    /// The busy and counted-work energy of a layer or block (no idle part).
    public func energy(of work: LayerWork, busyCoreSeconds: Double) -> Double {
        energy(cores: 0, wallSeconds: 0, busyCoreSeconds: busyCoreSeconds, macs: Double(work.macs),
               l1: Double(work.l1), l2: Double(work.l2), llc: Double(work.llc), dram: Double(work.dram))
    }

    /// The same without a dictionary, for the per-block path (no allocation).
    public func energy(cores: Int, wallSeconds: Double, busyCoreSeconds: Double, macs: Double,
                       l1: Double, l2: Double, llc: Double, dram: Double) -> Double {
        let staticPart = idleWatts * Double(cores) * wallSeconds
        let busyPart = max(0, activeWatts - idleWatts) * busyCoreSeconds
        let dynamicPart = picojoulesPerMAC * macs + (picojoulesPerByte[.l1] ?? 0) * l1 + (picojoulesPerByte[.l2] ?? 0) * l2
            + (picojoulesPerByte[.llc] ?? 0) * llc + (picojoulesPerByte[.dram] ?? 0) * dram
        return staticPart + busyPart + dynamicPart * 1e-12
    }
}
