// The milter protocol's constants, version 6 (Sendmail's libmilter/mfdef.h, the protocol
// Postfix implements in src/milter/milter8.c). There is no RFC: mfdef.h is the reference.

/// Command codes the MTA sends (mfdef.h `SMFIC_*`).
public enum MilterCommandCode: UInt8, Sendable {
    case abort = 0x41        // 'A'
    case body = 0x42         // 'B'
    case connect = 0x43      // 'C'
    case macro = 0x44        // 'D'
    case endOfMessage = 0x45 // 'E'
    case helo = 0x48         // 'H'
    case quitNewConnection = 0x4B // 'K'
    case header = 0x4C       // 'L'
    case mail = 0x4D         // 'M'
    case endOfHeader = 0x4E  // 'N'
    case optionNegotiation = 0x4F // 'O'
    case quit = 0x51         // 'Q'
    case recipient = 0x52    // 'R'
    case data = 0x54         // 'T'
    case unknown = 0x55      // 'U'
}

/// Action flags (mfdef.h `SMFIF_*`): what a filter may change.
public struct MilterActions: OptionSet, Sendable, Hashable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    public static let addHeaders = MilterActions(rawValue: 0x01)
    public static let changeBody = MilterActions(rawValue: 0x02)
    public static let addRecipient = MilterActions(rawValue: 0x04)
    public static let deleteRecipient = MilterActions(rawValue: 0x08)
    public static let changeHeaders = MilterActions(rawValue: 0x10)
    public static let quarantine = MilterActions(rawValue: 0x20)
    public static let changeFrom = MilterActions(rawValue: 0x40)
    public static let addRecipientWithParameters = MilterActions(rawValue: 0x80)
    public static let setMacroList = MilterActions(rawValue: 0x100)
}

/// Protocol flags (mfdef.h `SMFIP_*`): steps the filter does not want, replies it will not send.
public struct MilterProtocolFlags: OptionSet, Sendable, Hashable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    public static let noConnect = MilterProtocolFlags(rawValue: 0x01)
    public static let noHelo = MilterProtocolFlags(rawValue: 0x02)
    public static let noMail = MilterProtocolFlags(rawValue: 0x04)
    public static let noRecipient = MilterProtocolFlags(rawValue: 0x08)
    public static let noBody = MilterProtocolFlags(rawValue: 0x10)
    public static let noHeaders = MilterProtocolFlags(rawValue: 0x20)
    public static let noEndOfHeader = MilterProtocolFlags(rawValue: 0x40)
    public static let noReplyHeader = MilterProtocolFlags(rawValue: 0x80)
    public static let noUnknown = MilterProtocolFlags(rawValue: 0x100)
    public static let noData = MilterProtocolFlags(rawValue: 0x200)
    public static let skip = MilterProtocolFlags(rawValue: 0x400)
    public static let rejectedRecipients = MilterProtocolFlags(rawValue: 0x800)
    public static let noReplyConnect = MilterProtocolFlags(rawValue: 0x1000)
    public static let noReplyHelo = MilterProtocolFlags(rawValue: 0x2000)
    public static let noReplyMail = MilterProtocolFlags(rawValue: 0x4000)
    public static let noReplyRecipient = MilterProtocolFlags(rawValue: 0x8000)
    public static let noReplyData = MilterProtocolFlags(rawValue: 0x10000)
    public static let noReplyUnknown = MilterProtocolFlags(rawValue: 0x20000)
    public static let noReplyEndOfHeader = MilterProtocolFlags(rawValue: 0x40000)
    public static let noReplyBody = MilterProtocolFlags(rawValue: 0x80000)
    /// Header values are sent and taken with their leading space.
    public static let headerLeadingSpace = MilterProtocolFlags(rawValue: 0x100000)
    public static let maxDataSize256K = MilterProtocolFlags(rawValue: 0x10000000)
    public static let maxDataSize1M = MilterProtocolFlags(rawValue: 0x20000000)
}

/// The macro stages of SMFIR_SETSYMLIST (mfdef.h `SMFIM_*`).
public enum MilterMacroStage: UInt32, Sendable, CaseIterable {
    case connect = 0, helo = 1, mail = 2, recipient = 3, data = 4, endOfMessage = 5, endOfHeader = 6

    /// The command a stage's macros are sent before.
    public var command: MilterCommandCode {
        switch self {
        case .connect: .connect
        case .helo: .helo
        case .mail: .mail
        case .recipient: .recipient
        case .data: .data
        case .endOfMessage: .endOfMessage
        case .endOfHeader: .endOfHeader
        }
    }
}

/// The limits of one milter conversation, from config (`[[milter]]`).
public struct MilterLimits: Sendable, Equatable {
    /// Largest packet accepted from a filter (length field, command octet included).
    public var maxPacketSize: Int
    /// Largest body chunk sent (mfdef.h MILTER_CHUNK_SIZE is 65535).
    public var bodyChunkSize: Int
    /// Most modification actions accepted from one filter for one message.
    public var maxModifications: Int
    /// Largest header field (name + value) a filter may add or change.
    public var maxHeaderSize: Int
    /// Largest replacement body a filter may send.
    public var maxBodySize: Int

    public init(maxPacketSize: Int = 1 << 20, bodyChunkSize: Int = 65535, maxModifications: Int = 1000,
                maxHeaderSize: Int = 16384, maxBodySize: Int = 64 << 20) {
        self.maxPacketSize = maxPacketSize
        self.bodyChunkSize = bodyChunkSize
        self.maxModifications = maxModifications
        self.maxHeaderSize = maxHeaderSize
        self.maxBodySize = maxBodySize
    }

    public static let `default` = MilterLimits()
}

/// The protocol version Hato speaks.
public let milterProtocolVersion: UInt32 = 6
