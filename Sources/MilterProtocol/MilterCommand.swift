// Commands the MTA sends (mfdef.h `SMFIC_*`), encoded as packets.

/// The client's address family in SMFIC_CONNECT (mfdef.h `SMFIA_*`).
public enum MilterAddressFamily: UInt8, Sendable {
    case unknown = 0x55 // 'U'
    case unix = 0x4C    // 'L'
    case inet = 0x34    // '4'
    case inet6 = 0x36   // '6'
}

/// One command to a filter.
public enum MilterCommand: Sendable, Equatable {
    case negotiate(version: UInt32, actions: MilterActions, protocolFlags: MilterProtocolFlags)
    /// SMFIC_MACRO: the macros for the command that follows.
    case macros(for: MilterCommandCode, [(name: String, value: String)])
    case connect(hostname: String, family: MilterAddressFamily, port: UInt16, address: String)
    case helo(String)
    /// SMFIC_MAIL: the address in angle brackets, then ESMTP parameters.
    case mail(String, parameters: [String])
    case recipient(String, parameters: [String])
    case data
    case header(name: String, value: String)
    case endOfHeader
    case body([UInt8])
    case endOfMessage
    case abort
    case quit

    public static func == (lhs: MilterCommand, rhs: MilterCommand) -> Bool { lhs.packet == rhs.packet }

    /// The command as a packet.
    public var packet: MilterPacket {
        var data: [UInt8] = []
        func string(_ value: String) {
            // A NUL inside a value would end it early on the filter's side: cut it there.
            data += value.utf8.prefix { $0 != 0 }
            data.append(0)
        }
        func uint32(_ value: UInt32) {
            data += [UInt8(value >> 24), UInt8((value >> 16) & 0xFF), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF)]
        }
        let code: MilterCommandCode
        switch self {
        case .negotiate(let version, let actions, let flags):
            code = .optionNegotiation
            uint32(version)
            uint32(actions.rawValue)
            uint32(flags.rawValue)
        case .macros(let command, let pairs):
            code = .macro
            data.append(command.rawValue)
            for pair in pairs {
                string(pair.name)
                string(pair.value)
            }
        case .connect(let hostname, let family, let port, let address):
            code = .connect
            string(hostname)
            data.append(family.rawValue)
            if family != .unknown {
                data += [UInt8(port >> 8), UInt8(port & 0xFF)]
                string(address)
            }
        case .helo(let name):
            code = .helo
            string(name)
        case .mail(let address, let parameters):
            code = .mail
            string(address)
            parameters.forEach(string)
        case .recipient(let address, let parameters):
            code = .recipient
            string(address)
            parameters.forEach(string)
        case .data: code = .data
        case .header(let name, let value):
            code = .header
            string(name)
            string(value)
        case .endOfHeader: code = .endOfHeader
        case .body(let chunk):
            code = .body
            data = chunk
        case .endOfMessage: code = .endOfMessage
        case .abort: code = .abort
        case .quit: code = .quit
        }
        return MilterPacket(code: code.rawValue, data: data)
    }
}
