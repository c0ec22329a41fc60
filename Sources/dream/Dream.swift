import ArgumentParser

@main
struct Dream: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dream",
        abstract: "DreamRT: real-time multi-model ML scheduling on emulated heterogeneous accelerators.",
        discussion: "Errors in input files name the file, the field and the fix; exit codes: 64 bad option, 65 bad file content, 66 missing file or name, 69 the machine cannot do it, 73 cannot write output.",
        subcommands: [
            TopologyCommand.self,
            WorkloadCommand.self,
            ImportMaestroCommand.self,
            XRBenchCommand.self,
            RunCommand.self,
            SimCommand.self,
            CalibrateCommand.self,
            CompareCommand.self,
            CellCommand.self,
            MergeCommand.self,
            SlurmCommand.self,
            DoctorCommand.self,
            ReportCommand.self,
        ])
}
