import EncoreModels
import EncoreShims
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What `encore run` hands a run's child process (descriptor 3 of the child, JSON).
struct ChildJob: Codable, Sendable {
    /// The spec after `--set`, as JSON text (the file may change while the experiment runs).
    var spec: String
    /// Where the spec came from, for messages.
    var source: String
    /// The experiment's identity, checked again by the child.
    var specSHA256: String
    /// SHA-256 of the run's preprocessed data as `encore run` loaded it, checked again by the child.
    var dataSHA256: String
    /// The run to run.
    var runID: String
    /// The run's 1-based place in the run list and the list's length (`run k/N`).
    var index: Int
    var count: Int
    /// The experiment directory (its `runs/<run_id>/` is the run's).
    var output: String
    /// `encore run`'s options (`--resume`, `--checkpoint-every`, `--save-recommendations`, ...).
    var options: RunOptions
    /// The process ID of `encore run`: a child whose parent is already another has lost it and stops.
    var parent: Int32
}

/// What a run's child process tells `encore run` (descriptor 4 of the child, one JSON object
/// per line): its progress as it goes, then its record, or the error that stopped it.
enum ChildReport: Codable, Sendable {
    /// A progress call, shown by `encore run`'s reporter.
    case progress(ProgressEvent)
    /// The run's record (ok, or failed with its reason, as a run in one process records it).
    case record(RunRecord)
    /// An error that stops the experiment (an unwritable run folder, changed data), with its exit code.
    case error(message: String, exitCode: Int32)

    /// One line of JSON (non-finite numbers as strings, as in `results.json`).
    var line: Data {
        let encoder = JSONEncoder()
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        var data = (try? encoder.encode(self)) ?? Data(#"{"error":{"message":"cannot encode a report","exitCode":74}}"#.utf8)
        data.append(UInt8(ascii: "\n"))
        return data
    }

    /// Decodes one line written by `line`; nil when it is not a report.
    init?(line: String) {
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        guard let report = try? decoder.decode(ChildReport.self, from: Data(line.utf8)) else { return nil }
        self = report
    }
}

/// An error a run's child process reported, or one about the child itself: `encore run` stops
/// with its message and exit code, as it would have stopped running the run in its own process.
struct ChildRunError: ExitCodeError {
    let message: String
    let exitCode: ExitCode
    var description: String { message }
}

/// The child side of run isolation: `encore _run-one` (not listed by `--help`) runs exactly
/// one run of the job on its descriptor 3 and reports on descriptor 4 (`ChildProcess`).
enum ChildRun {
    /// The hidden command name.
    static let commandName = "_run-one"
    /// For the tool's own tests: a child whose run ID equals this variable's value stops with
    /// `fatalError` (a real crash) once its data is loaded.
    static let crashVariable = "ENCORE_TEST_CRASH_RUN"

    /// Runs the job and returns the exit code: 0 with a record reported (ok or failed), else
    /// the code of the error reported.
    static func serve(registry: ModelRegistry) -> Int32 {
        // Ctrl-C reaches the whole process group; `encore run` alone handles it and ends its children.
        _ = signal(SIGINT, SIG_IGN)
        // A model's own messages reach `encore run` line by line, not when a buffer fills.
        encore_line_buffer_stdout()
        let reports = ReportChannel(descriptor: 4)
        let job: ChildJob
        do { job = try readJob() } catch {
            // Not started by `encore run`: nobody reads descriptor 4.
            return EncoreCLI.fail(error)
        }
        do {
            if job.parent > 0 {
                _ = encore_die_with_parent()
                // `encore run` may have ended before the line above.
                guard getppid() == job.parent else { return ExitCode.interrupted.rawValue }
            }
            watchLifeline()
            let record = try run(job, registry: registry, reports: reports)
            reports.send(.record(record))
            return ExitCode.success.rawValue
        } catch {
            let code = (error as? ExitCodeError)?.exitCode ?? .ioError
            reports.send(.error(message: "\(error)", exitCode: code.rawValue))
            return code.rawValue
        }
    }

    private static func run(_ job: ChildJob, registry: ModelRegistry, reports: ReportChannel) throws -> RunRecord {
        let spec = try ExperimentSpec.parse(
            job.spec, source: job.source, models: registry.descriptions,
            memoryLimit: MemoryLimit(bytes: .max, origin: "checked by encore run"))
        guard spec.sha256 == job.specSHA256 else {
            throw ChildRunError(message: "\(job.source): the run's process read another spec (sha256 \(spec.sha256.prefix(12)), expected \(job.specSHA256.prefix(12)))", exitCode: .usage)
        }
        guard let plan = spec.runPlans().first(where: { $0.id == job.runID }) else {
            throw ChildRunError(message: "\(job.source): no run '\(job.runID)'", exitCode: .usage)
        }
        let data = try PreparedSetting(setting: spec.settings[plan.settingIndex]) { _ in }
        guard data.dataSHA256 == job.dataSHA256 else {
            throw ChildRunError(
                message: "the data of run \(plan.id) changed since the experiment started (sha256 \(data.dataSHA256.prefix(12)), was \(job.dataSHA256.prefix(12)))",
                exitCode: .dataError)
        }
        // This process runs one run: its split is all it needs of the interactions.
        try data.keepOnlySplit(seed: plan.splitSeed)
        if let crash = ProcessInfo.processInfo.environment[crashVariable], crash == plan.id {
            fatalError("\(crashVariable) names this run")
        }
        var options = job.options
        options.isolation = .inProcess
        options.outputDirectory = job.output
        let progress = ProgressReporter(forwardingTo: { reports.send(.progress($0)) })
        let runner = ExperimentRunner(spec: spec, registry: registry, options: options, progress: progress)
        runner.gramCache = nil
        let loaded = PeakMemory.bytes()
        var record = try runner.execute(
            plan, position: (job.index, job.count), data: data, store: RunFolders(directory: URL(fileURLWithPath: job.output)))
        // The whole process is the run's: its peak from the start, data loading included.
        record.peakMemoryBytes = [loaded, PeakMemory.bytes()].compactMap { $0 }.max()
        return record
    }

    private static func readJob() throws -> ChildJob {
        do {
            let data = try FileHandle(fileDescriptor: 3, closeOnDealloc: true).readToEnd() ?? Data()
            return try JSONDecoder().decode(ChildJob.self, from: data)
        } catch {
            throw ChildRunError(message: "\(commandName) is started by 'encore run' with a job on descriptor 3: \(error)", exitCode: .usage)
        }
    }

    /// Ends this process when `encore run` ends: descriptor 0 is a pipe whose only writer is
    /// `encore run`, so reading it returns end of file then, however it ended.
    private static func watchLifeline() {
        Thread.detachNewThread {
            var byte: UInt8 = 0
            while true {
                let count = read(0, &byte, 1)
                if count == 0 { _exit(ExitCode.interrupted.rawValue) }
                if count < 0, errno != EINTR { return }
            }
        }
    }

    /// The executable `encore run` starts its children from: this very binary (on Linux
    /// `/proc/self/exe`, which stays this binary even if the file is replaced meanwhile).
    static func currentExecutable() -> String? {
        #if os(Linux)
        return FileManager.default.isExecutableFile(atPath: "/proc/self/exe") ? "/proc/self/exe" : nil
        #else
        return Bundle.main.executablePath
        #endif
    }
}

/// Writes reports to a descriptor, whole lines at a time, from any thread.
private final class ReportChannel: @unchecked Sendable {
    private let descriptor: Int32
    private let lock = NSLock()

    init(descriptor: Int32) { self.descriptor = descriptor }

    func send(_ report: ChildReport) {
        let line = report.line
        lock.withLock {
            line.withUnsafeBytes { bytes in
                var offset = 0
                while offset < bytes.count {
                    let written = writeBytes(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
                    if written < 0, errno == EINTR { continue }
                    if written <= 0 { return }
                    offset += written
                }
            }
        }
    }
}
