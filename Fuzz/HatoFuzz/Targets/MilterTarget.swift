// Milter protocol v6 (libmilter mfdef.h): the filter's reply stream, framed then decoded.

import MilterProtocol

/// `milter-reply`: the bytes as a filter's reply stream through `MilterPacketDecoder` (whole and
/// drip-fed: same packets or the same error), each packet through `MilterReply.decode` with small
/// limits. Invariants: a packet never exceeds the maximum size; a decoded header edit stays within
/// `maxHeaderSize` and has no bare line break; re-encoding a packet gives the octets it came from.
enum MilterTarget {
    static let limits = MilterLimits(maxPacketSize: 4096, maxModifications: 16, maxHeaderSize: 512)

    enum Event: Equatable {
        case packet(MilterPacket, Result<MilterReply, MilterProtocolError>)
        case framingError(MilterProtocolError)
    }

    static func run(_ bytes: [UInt8]) {
        Drip.expectSame(events(bytes, split: false), events(bytes, split: true), "milter packets")
    }

    static func events(_ bytes: [UInt8], split: Bool) -> [Event] {
        var decoder = MilterPacketDecoder(maxPacketSize: limits.maxPacketSize)
        var events: [Event] = []
        var consumed = 0
        for range in split ? Drip.pieces(of: bytes) : [0..<bytes.count] {
            decoder.append(bytes[range])
            var steps = 0
            while true {
                steps += 1
                precondition(steps <= Drip.stepLimit(bytes.count), "MilterPacketDecoder does not progress")
                do {
                    guard let packet = try decoder.next() else { break }
                    precondition(packet.data.count + 1 <= limits.maxPacketSize, "packet over the limit")
                    let encoded = packet.encoded
                    precondition(Array(bytes[consumed..<consumed + encoded.count]) == encoded, "packet does not re-encode to its octets")
                    consumed += encoded.count
                    events.append(.packet(packet, decode(packet)))
                } catch {
                    events.append(.framingError(error))
                    return events
                }
            }
        }
        return events
    }

    static func decode(_ packet: MilterPacket) -> Result<MilterReply, MilterProtocolError> {
        do {
            let reply = try MilterReply.decode(packet, limits: limits)
            if case .modification(let edit) = reply {
                switch edit {
                case .addHeader(let name, let value), .changeHeader(_, let name, let value), .insertHeader(_, let name, let value):
                    precondition(name.utf8.count + value.utf8.count <= limits.maxHeaderSize + 8, "header edit over the limit")
                    let octets = Array(value.utf8)
                    for (index, octet) in octets.enumerated() where octet == 0x0A {
                        precondition(index + 1 < octets.count && (octets[index + 1] == 0x20 || octets[index + 1] == 0x09), "unfolded line break")
                    }
                default: break
                }
            }
            return .success(reply)
        } catch {
            return .failure(error)
        }
    }
}
