import NIOCore

extension IMAPResponseEncoder {
    /// response-data contents after "* " (RFC 9051 §7.2-§7.5).
    func writeData(_ data: IMAPResponseData, into b: inout ByteBuffer) {
        switch data {
        case .capability(let names):
            // capability-data = "CAPABILITY" *(SP capability) SP "IMAP4rev2" *(SP capability)
            b.writeString("CAPABILITY")
            for name in names { b.writeInteger(UInt8(ascii: " ")); writeAtom(name, into: &b) }
        case .enabled(let names):
            // enable-data = "ENABLED" *(SP capability)
            b.writeString("ENABLED")
            for name in names { b.writeInteger(UInt8(ascii: " ")); writeAtom(name, into: &b) }
        case .flags(let flags):
            b.writeString("FLAGS ")
            writeFlagList(flags, into: &b)
        case .list(let list):
            b.writeString("LIST ")
            writeMailboxList(list, into: &b)
        case .lsub(let list):
            b.writeString("LSUB ")
            writeMailboxList(list, into: &b)
        case .status(let mailbox, let values):
            // "STATUS" SP mailbox SP "(" [status-att-list] ")"
            b.writeString("STATUS ")
            writeMailbox(mailbox, into: &b)
            b.writeString(" (")
            writeJoined(values, into: &b) { _, v, b in
                // status-att-val =/ "MAILBOXID" SP "(" objectid ")"   (RFC 8474 §7)
                if v.attribute == .mailboxID {
                    b.writeString("MAILBOXID (\(IMAPObjectID.mailbox(uidValidity: UInt32(truncatingIfNeeded: v.value))))")
                } else {
                    b.writeString("\(v.attribute.rawValue) \(v.value)")
                }
            }
            b.writeInteger(UInt8(ascii: ")"))
        case .exists(let n): b.writeString("\(n) EXISTS")
        case .recent(let n): b.writeString("\(n) RECENT")
        case .expunge(let n): b.writeString("\(max(n, 1)) EXPUNGE")
        case .vanished(let earlier, let uids):
            // expunged-resp = "VANISHED" [SP "(EARLIER)"] SP known-uids
            b.writeString(earlier ? "VANISHED (EARLIER) " : "VANISHED ")
            writeSequenceSet(uids, into: &b)
        case .search(let numbers, let modSeq):
            // "SEARCH" [1*(SP nz-number) SP search-sort-mod-seq]     (RFC 7162 §7)
            b.writeString("SEARCH")
            for n in numbers where n > 0 { b.writeString(" \(n)") }
            if let modSeq, !numbers.isEmpty { b.writeString(" (MODSEQ \(modSeq))") }
        case .esearch(let e):
            writeESearch(e, into: &b)
        case .sort(let numbers, let modSeq):
            // sort-data = "SORT" *(SP nz-number) [SP search-sort-mod-seq]   (RFC 5256 §4, RFC 7162 §7)
            b.writeString("SORT")
            for n in numbers where n > 0 { b.writeString(" \(n)") }
            if let modSeq, !numbers.isEmpty { b.writeString(" (MODSEQ \(modSeq))") }
        case .thread(let threads):
            // thread-data = "THREAD" [SP 1*thread-list]                     (RFC 5256 §4)
            b.writeString("THREAD")
            if !threads.isEmpty { b.writeInteger(UInt8(ascii: " ")) }
            for thread in threads { writeThreadList(thread, into: &b) }
        case .fetch(let number, let items):
            // message-data = nz-number SP "FETCH" SP msg-att
            if writeShortFetch(number, items, into: &b) { return }
            writeNumber(max(number, 1), into: &b)
            b.writeStaticString(" FETCH (")
            for (i, item) in items.enumerated() {
                if i > 0 { b.writeInteger(UInt8(ascii: " ")) }
                writeFetchItem(item, into: &b)
            }
            b.writeInteger(UInt8(ascii: ")"))
        case .id(let parameters):
            // id-response = "ID" SP id-params-list                     (RFC 2971 §4)
            b.writeString("ID ")
            guard let parameters, !parameters.isEmpty else { b.writeString("NIL"); return }
            b.writeInteger(UInt8(ascii: "("))
            writeJoined(parameters, into: &b) { e, p, b in
                e.writeString(p.key, into: &b)
                b.writeInteger(UInt8(ascii: " "))
                e.writeNString(p.value, into: &b)
            }
            b.writeInteger(UInt8(ascii: ")"))
        case .namespace(let personal, let other, let shared):
            // namespace-response = "NAMESPACE" SP namespace SP namespace SP namespace
            b.writeString("NAMESPACE ")
            writeNamespace(personal, into: &b)
            b.writeInteger(UInt8(ascii: " "))
            writeNamespace(other, into: &b)
            b.writeInteger(UInt8(ascii: " "))
            writeNamespace(shared, into: &b)
        case .quota(let root, let resources):
            // quota-response = "QUOTA" SP quota-root-name SP quota-list   (RFC 9208 §7)
            b.writeString("QUOTA ")
            writeString(root, into: &b)
            b.writeString(" (")
            writeJoined(resources, into: &b) { e, r, b in
                e.writeAtom(r.name.uppercased(), into: &b)
                b.writeString(" \(r.usage) \(r.limit)")
            }
            b.writeInteger(UInt8(ascii: ")"))
        case .quotaRoot(let mailbox, let roots):
            // quotaroot-response = "QUOTAROOT" SP mailbox *(SP quota-root-name)
            b.writeString("QUOTAROOT ")
            writeMailbox(mailbox, into: &b)
            for root in roots { b.writeInteger(UInt8(ascii: " ")); writeString(root, into: &b) }
        case .genURLAuth(let urls):
            b.writeString("GENURLAUTH")
            for url in urls { b.writeInteger(UInt8(ascii: " ")); writeString(url, into: &b) }
        case .urlFetch(let results):
            b.writeString("URLFETCH")
            for result in results { writeURLFetchResult(result, into: &b) }
        case .metadata(let mailbox, let values):
            // metadata-resp = "METADATA" SP mailbox SP entry-values      (RFC 5464 §5)
            b.writeString("METADATA ")
            writeMailbox(mailbox, into: &b)
            b.writeString(" (")
            writeJoined(values, into: &b) { e, v, b in
                e.writeAtomOrString(Array(v.entry.utf8), into: &b)
                b.writeInteger(UInt8(ascii: " "))
                // value = nstring / literal8: literal8 when the value has NUL (RFC 3516 §4.3).
                guard let value = v.value else { b.writeString("NIL"); return }
                if value.contains(0) {
                    e.writeLiteral(ByteBuffer(bytes: value), binary: true, into: &b)
                } else {
                    e.writeString(value, into: &b)
                }
            }
            b.writeInteger(UInt8(ascii: ")"))
        case .metadataEntries(let mailbox, let entries):
            // metadata-resp = "METADATA" SP mailbox SP entry-list ; entry-list = entry *(SP entry)
            // (RFC 5464 §4.4.2 unsolicited; RFC 5465 §5.6-§5.7)
            b.writeString("METADATA ")
            writeMailbox(mailbox, into: &b)
            for entry in entries {
                b.writeInteger(UInt8(ascii: " "))
                writeAtomOrString(Array(entry.utf8), into: &b)
            }
        }
    }

    /// mailbox-list = "(" [mbx-list-flags] ")" SP (DQUOTE QUOTED-CHAR DQUOTE / nil) SP mailbox
    ///                [SP mbox-list-extended]
    func writeMailboxList(_ list: IMAPListResponse, into b: inout ByteBuffer) {
        writeFlagList(list.attributes, into: &b)
        b.writeInteger(UInt8(ascii: " "))
        writeDelimiter(list.delimiter, into: &b)
        b.writeInteger(UInt8(ascii: " "))
        writeMailbox(list.mailbox, into: &b)
        var extended: [(inout ByteBuffer) -> Void] = []
        if !list.childInfo.isEmpty {
            // childinfo-extended-item = "CHILDINFO" SP "(" list-select-base-opt-quoted *(...) ")"
            extended.append { b in
                b.writeString("\"CHILDINFO\" (")
                self.writeJoined(list.childInfo, into: &b) { e, s, b in e.writeString(s, into: &b) }
                b.writeInteger(UInt8(ascii: ")"))
            }
        }
        if let old = list.oldName {
            // oldname-extended-item = "OLDNAME" SP "(" mailbox ")"
            extended.append { b in
                b.writeString("\"OLDNAME\" (")
                self.writeMailbox(old, into: &b)
                b.writeInteger(UInt8(ascii: ")"))
            }
        }
        if !extended.isEmpty {
            b.writeString(" (")
            for (i, item) in extended.enumerated() {
                if i > 0 { b.writeInteger(UInt8(ascii: " ")) }
                item(&b)
            }
            b.writeInteger(UInt8(ascii: ")"))
        }
    }

    /// DQUOTE QUOTED-CHAR DQUOTE / nil
    func writeDelimiter(_ delimiter: Character?, into b: inout ByteBuffer) {
        guard let delimiter, let ascii = delimiter.asciiValue, ascii >= 0x20, ascii < 0x7F else {
            b.writeString("NIL")
            return
        }
        writeString([ascii], into: &b)
    }

    /// namespace = nil / "(" 1*namespace-descr ")"
    func writeNamespace(_ namespaces: [IMAPNamespace], into b: inout ByteBuffer) {
        guard !namespaces.isEmpty else { b.writeString("NIL"); return }
        b.writeInteger(UInt8(ascii: "("))
        for ns in namespaces {
            b.writeInteger(UInt8(ascii: "("))
            let prefix = encoding.utf8 ? ns.prefix : ModifiedUTF7.encode(ns.prefix)
            writeString(prefix, into: &b)
            b.writeInteger(UInt8(ascii: " "))
            writeDelimiter(ns.delimiter, into: &b)
            b.writeInteger(UInt8(ascii: ")"))
        }
        b.writeInteger(UInt8(ascii: ")"))
    }

    /// esearch-response = "ESEARCH" [search-correlator] [SP "UID"] *(SP search-return-data)
    /// search-correlator = SP "(" "TAG" SP tag-string ")"
    func writeESearch(_ e: IMAPESearchResponse, into b: inout ByteBuffer) {
        b.writeString("ESEARCH")
        if let tag = e.tag {
            b.writeString(" (TAG ")
            writeString(tag, into: &b)
            b.writeInteger(UInt8(ascii: ")"))
        }
        if e.uid { b.writeString(" UID") }
        if let min = e.min, min > 0 { b.writeString(" MIN \(min)") }
        if let max = e.max, max > 0 { b.writeString(" MAX \(max)") }
        if let all = e.all, case .ranges(let r) = all, !r.isEmpty {
            b.writeString(" ALL ")
            writeSequenceSet(all, into: &b)
        }
        if let count = e.count { b.writeString(" COUNT \(count)") }
        if let modSeq = e.modSeq { b.writeString(" MODSEQ \(modSeq)") }
        // ret-data-partial = "PARTIAL" SP "(" partial-range SP partial-results ")"
        // partial-results  = sequence-set / "NIL"                                (RFC 5267 §5)
        if let partial = e.partial {
            b.writeString(" PARTIAL (\(partial.range.lowerBound):\(partial.range.upperBound) ")
            if let results = partial.results, case .ranges(let r) = results, !r.isEmpty {
                writeSequenceSet(results, into: &b)
            } else {
                b.writeString("NIL")
            }
            b.writeInteger(UInt8(ascii: ")"))
        }
        for update in e.updates {
            let (name, pairs) = switch update {
            case .addTo(let pairs): ("ADDTO", pairs)
            case .removeFrom(let pairs): ("REMOVEFROM", pairs)
            }
            guard !pairs.isEmpty else { continue }
            b.writeString(" \(name) (")
            for (i, pair) in pairs.enumerated() {
                b.writeString(i == 0 ? "\(pair.position) " : " \(pair.position) ")
                writeSequenceSet(pair.results, into: &b)
            }
            b.writeInteger(UInt8(ascii: ")"))
        }
    }

    /// thread-list    = "(" (thread-members / thread-nested) ")"
    /// thread-members = nz-number *(SP nz-number) [SP thread-nested]
    /// thread-nested  = 2*thread-list                                        (RFC 5256 §4)
    /// A single child is written as part of its parent's chain, never nested alone. Iterative
    /// (an explicit stack): no thread shape deepens the call stack.
    func writeThreadList(_ root: IMAPThreadNode, into b: inout ByteBuffer) {
        enum Work { case list(IMAPThreadNode), close }
        var stack: [Work] = [.list(root)]
        while let work = stack.popLast() {
            guard case .list(var node) = work else {
                b.writeInteger(UInt8(ascii: ")"))
                continue
            }
            b.writeInteger(UInt8(ascii: "("))
            var first = true
            while true {
                for n in node.numbers {
                    b.writeString(first ? "\(n)" : " \(n)")
                    first = false
                }
                guard node.children.count == 1 else { break }
                node = node.children[0]
            }
            stack.append(.close)
            if !node.children.isEmpty, !first { b.writeInteger(UInt8(ascii: " ")) }
            for child in node.children.reversed() { stack.append(.list(child)) }
        }
    }
}
