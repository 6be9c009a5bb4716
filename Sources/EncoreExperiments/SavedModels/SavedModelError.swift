/// Why a model cannot be saved, loaded or asked for recommendations.
public enum SavedModelError: ExitCodeError, Equatable {
    /// A file or folder cannot be read or written (exit 74).
    case io(path: String, reason: String)
    /// A file of a model directory is damaged or not what `model.json` records (exit 65).
    case damaged(path: String, reason: String)
    /// The saved model names a model this `encore` does not register (exit 64).
    case unknownModel(name: String, path: String)
    /// The request cannot be answered by this model: an unknown user, a new history for a model
    /// that cannot score one (exit 64).
    case unsupported(String)
    /// A history file has a malformed line (exit 65).
    case badHistory(file: String, line: Int, reason: String)
    /// A history file holds no history the model can score (exit 65).
    case emptyHistory(file: String, reason: String)

    public var exitCode: ExitCode {
        switch self {
        case .io: return .ioError
        case .damaged, .badHistory, .emptyHistory: return .dataError
        case .unknownModel, .unsupported: return .usage
        }
    }

    public var description: String {
        switch self {
        case let .io(path, reason): return "\(path): \(reason)"
        case let .damaged(path, reason): return "\(path): \(reason)"
        case let .unknownModel(name, path):
            return "\(path) holds a model '\(name)', which this encore does not register (see 'encore models'); "
                + "use the encore that trained it (a package that registers its own models)"
        case let .unsupported(text): return text
        case let .badHistory(file, line, reason): return "\(file):\(line): \(reason)"
        case let .emptyHistory(file, reason): return "\(file): \(reason)"
        }
    }
}
