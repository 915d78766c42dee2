// The core's log records into the unified log (Console.app, `log stream`), one category per Rust
// module. The core logs events, counts and states, never secrets, report contents or
// identifiers, so messages are public. Apple-only: not compiled on Linux (docs/ios.md).
#if canImport(os)
import os

public final class OSLogSink: LogSink, @unchecked Sendable {
    private let subsystem: String

    public init(subsystem: String = "org.frontline.app") {
        self.subsystem = subsystem
    }

    /// Installs the sink for records at `level` and above (call once at app start).
    public static func install(level: LogLevel = .info) {
        setLogSink(sink: OSLogSink(), maxLevel: level)
    }

    public func log(record: LogRecord) throws {
        let logger = Logger(subsystem: subsystem, category: record.target)
        let type: OSLogType = switch record.level {
        case .error: .error
        case .warn: .default
        case .info: .info
        case .debug, .trace: .debug
        }
        logger.log(level: type, "\(record.message, privacy: .public)")
    }
}
#endif
