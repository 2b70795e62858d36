import DNSMessage
import Foundation
import MailStore
import Reception
import Testing

/// A clock the tests move by hand (greylisting, rate limits): nothing sleeps.
final class SpamClock: @unchecked Sendable {
    private let lock = NSLock()
    private var current: Date

    init(_ start: Date = Date(timeIntervalSince1970: 1_800_000_000)) { current = start }

    var now: Date { lock.withLock { current } }
    func advance(_ seconds: TimeInterval) { lock.withLock { current = current.addingTimeInterval(seconds) } }
    var function: @Sendable () -> Date { { [self] in self.now } }
}

@Suite struct BlocklistQueryTests {
    let zone = try! DNSName("bl.example")

    /// RFC 5782 §2.1: 192.0.2.99 is looked up as 99.2.0.192.<zone>.
    @Test func ipv4OctetsReversed() throws {
        let name = try #require(BlocklistQuery.name(for: IPAddress("192.0.2.99")!, in: zone))
        #expect(name.description == "99.2.0.192.bl.example.")
    }

    /// RFC 5782 §2.4: an IPv6 address as 32 nibbles, least significant first.
    @Test func ipv6Nibbles() throws {
        let name = try #require(BlocklistQuery.name(for: IPAddress("2001:db8:1:2:3:4:567:89ab")!, in: zone))
        #expect(name.description == "b.a.9.8.7.6.5.0.4.0.0.0.3.0.0.0.2.0.0.0.1.0.0.0.8.b.d.0.1.0.0.2.bl.example.")
        let short = try #require(BlocklistQuery.name(for: IPAddress("2001:db8::1")!, in: zone))
        #expect(short.labels.count == 32 + 2)
        #expect(short.description.hasPrefix("1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2."))
    }

    /// A dual-stack listener reports IPv4 clients as ::ffff:a.b.c.d: queried as IPv4.
    @Test func ipv4MappedIsQueriedAsIPv4() throws {
        let name = try #require(BlocklistQuery.name(for: IPAddress("::ffff:127.0.0.2")!, in: zone))
        #expect(name.description == "2.0.0.127.bl.example.")
    }

    /// RFC 5782 §2.3: a domain under the zone; IP literals and non-ASCII names are not queried.
    @Test func domainQueries() throws {
        #expect(BlocklistQuery.name(forDomain: "Example.COM", in: zone)?.description == "example.com.bl.example.")
        #expect(BlocklistQuery.name(forDomain: "test", in: zone)?.description == "test.bl.example.")
        #expect(BlocklistQuery.name(forDomain: "192.0.2.1", in: zone) == nil)
        #expect(BlocklistQuery.name(forDomain: "[2001:db8::1]", in: zone) == nil)
        #expect(BlocklistQuery.name(forDomain: "例え.jp", in: zone) == nil)
        #expect(BlocklistQuery.name(forDomain: "evil\r\nexample.com", in: zone) == nil)
        #expect(BlocklistQuery.name(forDomain: "a b.example", in: zone) == nil)
        #expect(BlocklistQuery.name(forDomain: String(repeating: "a.", count: 130) + "com", in: zone) == nil, "over 255 octets")
    }
}

@Suite struct BlocklistResultTests {
    func zone(_ codes: [IPv4Address: BlocklistZone.Code] = [:]) -> BlocklistZone {
        BlocklistZone(zone: try! DNSName("bl.example"), kind: .dnsbl, weight: 4, codes: codes)
    }

    func addresses(_ texts: String...) -> [IPv4Address] { texts.compactMap(IPv4Address.init) }

    @Test func anyLoopbackCodeIsListedWithoutAMap() {
        #expect(BlocklistResult.interpret(addresses("127.0.0.2"), zone: zone()) == .listed(meanings: ["listed"], weight: 4, codes: ["127.0.0.2"]))
        #expect(BlocklistResult.interpret([], zone: zone()) == .notListed)
    }

    /// Spamhaus-style error returns (127.255.255.252/254/255) are not listings.
    @Test func errorReturnsAreRefusedNotListed() {
        let result = BlocklistResult.interpret(addresses("127.255.255.254"), zone: zone())
        #expect(result == .refused(codes: ["127.255.255.254"]))
        #expect(!result.isListed)
        #expect(result.metricLabel == "refused")
    }

    /// RFC 5782 §2.1: answers are in 127.0.0.0/8; anything else is a broken or wildcarded list.
    @Test func answersOutsideLoopbackAreUnexpected() {
        #expect(BlocklistResult.interpret(addresses("192.0.2.1"), zone: zone()) == .unexpected(codes: ["192.0.2.1"]))
    }

    @Test func codeMapGivesMeaningsAndWeights() throws {
        let codes = try #require(BlocklistZone.parseCodes("127.0.0.2=sbl:6, 127.0.0.4 = xbl, 127.0.0.10=pbl:1.5"))
        #expect(codes[IPv4Address("127.0.0.4")!] == BlocklistZone.Code(meaning: "xbl"))
        let listed = BlocklistResult.interpret(addresses("127.0.0.2", "127.0.0.4"), zone: zone(codes))
        #expect(listed == .listed(meanings: ["sbl", "xbl"], weight: 6, codes: ["127.0.0.2", "127.0.0.4"]))
        #expect(BlocklistResult.interpret(addresses("127.0.0.10"), zone: zone(codes)) == .listed(meanings: ["pbl"], weight: 1.5, codes: ["127.0.0.10"]))
        #expect(BlocklistResult.interpret(addresses("127.0.0.3"), zone: zone(codes)) == .unexpected(codes: ["127.0.0.3"]), "a code the map does not name")
    }

    @Test func badCodeMapsAreRefused() {
        for text in ["", "127.0.0.2", "10.0.0.2=x", "127.0.0.2=", "127.0.0.2=a b", "127.0.0.2=sbl:-1", "127.0.0.2=sbl:x", "127.0.0.2=sbl:1000"] {
            #expect(BlocklistZone.parseCodes(text) == nil, "\(text)")
        }
    }
}

@Suite struct IPNetworkTests {
    func ip(_ text: String) -> IPAddress { IPAddress(text)! }

    @Test func ipv4Blocks() throws {
        let network = try #require(IPNetwork("203.0.113.0/24"))
        #expect(network.contains(ip("203.0.113.0")) && network.contains(ip("203.0.113.255")))
        #expect(!network.contains(ip("203.0.114.0")) && !network.contains(ip("2001:db8::1")))
        #expect(network.contains(ip("::ffff:203.0.113.7")), "IPv4-mapped IPv6 matches its IPv4 network")
        #expect(IPNetwork("192.0.2.7/24")?.description == "192.0.2.0/24", "host bits cleared")
        #expect(IPNetwork("192.0.2.7")?.description == "192.0.2.7/32")
        #expect(IPNetwork("0.0.0.0/0")?.contains(ip("198.51.100.1")) == true)
        #expect(IPNetwork("10.0.0.0/12")?.contains(ip("10.15.255.255")) == true)
        #expect(IPNetwork("10.0.0.0/12")?.contains(ip("10.16.0.0")) == false)
    }

    @Test func ipv6Blocks() throws {
        let network = try #require(IPNetwork("2001:db8:abcd::/48"))
        #expect(network.contains(ip("2001:db8:abcd:12::1")))
        #expect(!network.contains(ip("2001:db8:abce::1")) && !network.contains(ip("192.0.2.1")))
        #expect(IPNetwork("2001:db8::1/127")?.contains(ip("2001:db8::")) == true)
        #expect(IPNetwork("2001:db8::1/127")?.contains(ip("2001:db8::2")) == false)
    }

    @Test func malformedBlocksAreRefused() {
        for text in ["", "203.0.113.0/33", "2001:db8::/129", "203.0.113/24", "203.0.113.0/", "203.0.113.0/-1", "example.com/24", "1.2.3.4/２４"] {
            #expect(IPNetwork(text) == nil, "\(text)")
        }
    }

    @Test func tripletNetworks() {
        #expect(IPNetwork.key(of: ip("192.0.2.99"), ipv4Prefix: 24, ipv6Prefix: 64) == "192.0.2.0/24")
        #expect(IPNetwork.key(of: ip("2001:db8:1:2:3:4:5:6"), ipv4Prefix: 24, ipv6Prefix: 64) == "2001:db8:1:2::/64")
        #expect(IPNetwork.key(of: ip("::ffff:192.0.2.99"), ipv4Prefix: 32, ipv6Prefix: 64) == "192.0.2.99/32")
    }
}

@Suite struct GreylistStateTests {
    let triplet = GreylistTriplet(network: "192.0.2.0/24", sender: "a@remote.test", recipient: "alice@example.test")
    var policy: GreylistPolicy {
        var policy = GreylistPolicy()
        policy.delay = 300
        policy.retryWindow = 3600
        policy.recordLifetime = 86_400
        return policy
    }

    @Test func firstAttemptEarlyRetryThenPass() {
        let clock = SpamClock()
        let (first, record1) = Greylist.decide(nil, triplet: triplet, now: clock.now, policy: policy)
        #expect(first == .new && !first.isAccepted)
        #expect(Greylist.remaining(record1, now: clock.now, policy: policy) == 300)
        clock.advance(120)
        let (early, record2) = Greylist.decide(record1, triplet: triplet, now: clock.now, policy: policy)
        #expect(early == .early && record2.attempts == 2 && record2.firstSeen == record1.firstSeen)
        #expect(Greylist.remaining(record2, now: clock.now, policy: policy) == 180)
        clock.advance(181)
        let (passed, record3) = Greylist.decide(record2, triplet: triplet, now: clock.now, policy: policy)
        #expect(passed == .passed && record3.passed)
        clock.advance(80_000)
        let (known, record4) = Greylist.decide(record3, triplet: triplet, now: clock.now, policy: policy)
        #expect(known == .known && record4.lastSeen == clock.now)
    }

    @Test func retryAfterTheWindowStartsOver() {
        let clock = SpamClock()
        let (_, record) = Greylist.decide(nil, triplet: triplet, now: clock.now, policy: policy)
        clock.advance(300 + 3600 + 1)
        let (decision, fresh) = Greylist.decide(record, triplet: triplet, now: clock.now, policy: policy)
        #expect(decision == .expired && fresh.firstSeen == clock.now && !fresh.passed)
    }

    @Test func aPassedTripletExpiresAfterItsLifetime() {
        let clock = SpamClock()
        var record = GreylistRecord(triplet: triplet, firstSeen: clock.now, lastSeen: clock.now, passed: true, attempts: 1)
        clock.advance(86_401)
        let (decision, fresh) = Greylist.decide(record, triplet: triplet, now: clock.now, policy: policy)
        #expect(decision == .new && !fresh.passed)
        record.lastSeen = clock.now
        #expect(Greylist.decide(record, triplet: triplet, now: clock.now, policy: policy).0 == .known)
    }
}

@Suite struct RateLimiterTests {
    @Test func slidingWindowAdmitsUpToTheLimit() async {
        let clock = SpamClock()
        let limiter = RateLimiter(window: 60, now: clock.function)
        for _ in 0..<3 { #expect(await limiter.admit("192.0.2.1/32", limit: 3)) }
        #expect(!(await limiter.admit("192.0.2.1/32", limit: 3)), "the fourth in the same minute")
        #expect(await limiter.admit("192.0.2.2/32", limit: 3), "another key has its own count")
        clock.advance(90)
        // Half of the previous window still overlaps: 3 * 0.5 = 1.5, so one more fits, not two.
        #expect(await limiter.admit("192.0.2.1/32", limit: 3))
        #expect(!(await limiter.admit("192.0.2.1/32", limit: 3)))
        clock.advance(200)
        for _ in 0..<3 { #expect(await limiter.admit("192.0.2.1/32", limit: 3)) }
    }

    @Test func trackedKeysAreBounded() async {
        let clock = SpamClock()
        let limiter = RateLimiter(window: 60, maxKeys: 10, now: clock.function)
        for index in 0..<50 { #expect(await limiter.admit("key\(index)", limit: 1)) }
        #expect(await limiter.trackedKeys <= 10)
        clock.advance(121)
        #expect(await limiter.admit("late", limit: 1))
        #expect(await limiter.trackedKeys <= 10)
    }
}
