package import Foundation
package import LiaisonCore
package import LiaisonCrypto
package import LiaisonMatching
import LiaisonSafeguards
import NIOCore
package import LiaisonStore
package import Logging
package import ServiceLifecycle
package import UnixSignals

/// `liaison demo`: three agencies on loopback in three fictional jurisdictions, each with a user
/// for every role, so that a newcomer sees a working federation in one command.
package struct DemoFederation: Sendable {
    /// A demo agency. Jurisdictions use ISO 3166-1 user-assigned codes (XA, XB, XC), which no
    /// real state holds.
    package struct Agency: Sendable {
        package let code: String
        package let name: String
        package let jurisdiction: String
        package let directory: String
    }

    /// A seeded account, printed once at start.
    package struct Credential: Sendable {
        package let agency: String
        package let url: String
        package let username: String
        package let role: Role
        package let password: String
    }

    package let dataDirectory: String
    package let basePort: Int
    /// Each node's federation listener (TLS) is on its web port plus this.
    package static let federationOffset = 100

    package init(dataDirectory: String, basePort: Int) {
        self.dataDirectory = dataDirectory
        self.basePort = basePort
    }

    package var agencies: [Agency] {
        [
            Agency(code: "XA-POL", name: "Aldoria National Police", jurisdiction: "XA", directory: "xa-pol"),
            Agency(code: "XB-CUS", name: "Borvian Customs Service", jurisdiction: "XB", directory: "xb-cus"),
            Agency(code: "XC-PRO", name: "Caldera Public Prosecutor's Office", jurisdiction: "XC", directory: "xc-pro"),
        ]
    }

    /// Creates any missing node and (re)sets a fresh random password for every role's user.
    /// - Returns: the credentials, to print once.
    package func prepare() async throws -> [Credential] {
        var credentials: [Credential] = []
        for (index, agency) in agencies.enumerated() {
            let directory = URL(fileURLWithPath: dataDirectory).appendingPathComponent(agency.directory).path
            let port = basePort + index
            if !NodeDirectory(path: directory).isInitialised {
                let profile = try NodeProfile(agencyCode: agency.code, name: agency.name, jurisdiction: agency.jurisdiction, endpoint: "https://127.0.0.1:\(port + Self.federationOffset)")
                _ = try await NodeSetup.initialise(dataDirectory: directory, profile: profile, databaseURL: nil)
            }
            try await NodeSetup.withDatabase(dataDirectory: directory, databaseURL: nil) { users in
                let administration = UserAdministration(users: users, bcryptCost: 10, clock: SystemWallClock())
                for role in Role.allCases {
                    let password = Self.password()
                    try await administration.add(username: role.rawValue, role: role.rawValue, password: password, replacing: true)
                    credentials.append(Credential(agency: agency.code, url: "http://127.0.0.1:\(port)/login", username: role.rawValue, role: role, password: password))
                }
            }
        }
        try await federate()
        return credentials
    }

    /// Pins every demo node as the others' partner and gives all three one agreement in force.
    func federate() async throws {
        let directories = agencies.map { URL(fileURLWithPath: dataDirectory).appendingPathComponent($0.directory).path }
        let identities = try directories.map { try NodeDirectory(path: $0).load().identity }
        let now = Date()
        let agreement = Agreement(
            id: "DEMO-2026-001",
            parties: agencies.map(\.code),
            legalBasis: "Demo: Council Framework Decision 2006/960/JHA (simplified exchange of information) and Directive 2014/41/EU",
            purposes: ["prevention-of-crime", "investigation", "prosecution"],
            dataCategories: DataCategory.allCases,
            dataSubjectCategories: DataSubjectCategory.allCases,
            hitNoHitOnly: false,
            validFrom: now.addingTimeInterval(-86_400),
            validUntil: now.addingTimeInterval(365 * 86_400),
            impactAssessmentRef: "DEMO-HRIA-001"
        )
        for directory in directories {
            try await NodeServices.with(dataDirectory: directory, databaseURL: nil) { node in
                let administration = node.federationAdministration
                let store = node.federation
                for identity in identities where identity.agencyCode != node.agencyCode {
                    if try await store.partner(identity.agencyCode) == nil {
                        try await administration.addPartner(identity, confirmedFingerprint: identity.signingKey.fingerprint, by: "demo")
                    }
                }
                if try await store.agreement(agreement.id) == nil {
                    try await administration.importAgreement(agreement, by: "demo")
                }
            }
        }
        try await seedCases(directories: directories)
        try await seedJointTeam(directories: directories)
        try await seedThreads(directories: directories)
        try await seedInstruments(directories: directories)
        try await seedFinance(directory: directories[0])
        try await seedEvidence(directory: directories[0])
        try await seedWatchList(directory: directories[0])
        try await seedHitData(directories: directories)
    }

    /// A national watch list at the first agency, on first start, so that a newcomer can screen a
    /// name and adjudicate a potential match. The people are fictional; real lists are imported
    /// with `liaison lists import`.
    func seedWatchList(directory: String) async throws {
        try await NodeServices.with(dataDirectory: directory, databaseURL: nil) { node in
            guard try await node.screeningStore.list("aldoria-watch") == nil else { return }
            let service = node.screening
            let entries = [
                ListedParty(id: "AW-001", kind: .person, names: ["Viktor Aleksandrovich Morozov", "Виктор Александрович Морозов", "Victor Morosov"],
                            birthDates: ["1971-03-14"], countries: ["xb"]),
                ListedParty(id: "AW-002", kind: .organization, names: ["Grey Lane Logistics LLC", "GREYLANE LOGISTIKA OOO"], countries: ["xa"]),
                ListedParty(id: "AW-003", kind: .person, names: ["Youssef Abd al-Karim Haddad", "يوسف عبد الكريم حداد"], birthDates: ["1983"]),
                ListedParty(id: "AW-004", kind: .vessel, names: ["MV Northern Star"], identifiers: ["IMO9321483"]),
            ]
            for entry in entries {
                _ = try await service.editNational(list: "aldoria-watch", upsert: entry, delete: nil, actor: "demo")
            }
        }
    }

    /// The DNA profile the README asks a newcomer to search for: held by the customs service as
    /// an unidentified stain, so that a search from the police gets a cross-border hit.
    package static let sampleProfile = "D3S1358=15,16; vWA=17,18; D8S1179=13,14; D21S11=29,30; D18S51=14,15; TH01=6,9.3; FGA=21,22; " +
        "D1S1656=12,15; D2S441=10,11; D10S1248=13,14; D12S391=18,19; D22S1045=15,16"

    /// Hit/no-hit reference data at every agency, on first start: the customs service holds DNA
    /// stains (the sample profile among 2,000 drawn from the NIST 1036 frequencies) and stolen or
    /// seized vehicles; the police hold stolen documents and phones; the prosecutor's office holds
    /// convicted persons and bank accounts. Everything is fictional.
    func seedHitData(directories: [String]) async throws {
        var generator = STRProfileGenerator(seed: 2026)
        var dna = ["reference,type," + STRLocus.codis20.sorted().flatMap { ["\($0)_a1", "\($0)_a2"] }.joined(separator: ",")]
        func row(_ reference: String, _ profile: STRProfile) -> String {
            ([reference, "stain"] + STRLocus.codis20.sorted().flatMap { name -> [String] in
                guard let locus = STRLocus.named(name), let genotype = profile.loci[locus] else { return ["", ""] }
                return [genotype.first.description, genotype.second.description]
            }).joined(separator: ",")
        }
        dna.append(row("XB-DNA-2026-0007", try STRProfile(reference: "XB-DNA-2026-0007", encoded: Self.sampleProfile.replacingOccurrences(of: " ", with: ""))))
        for number in 1...2_000 { dna.append(row(String(format: "XB-DNA-2025-%04d", number), generator.next(reference: ""))) }
        let files: [(directory: Int, category: HitCategory, text: String)] = [
            (1, .dna, dna.joined(separator: "\n")),
            (1, .vehicle, """
                reference,vin,plate,plateCountry,status
                XB-VEH-0412,1M8GDM9AXKP042788,XB 4471 KT,XB,stolen 2026-02-11 in Borvia
                XB-VEH-0413,WVWZZZ1JZ3W386752,XB 9902 AA,XB,seized at the Aldorian border
                """),
            (0, .document, """
                reference,number,type,issuingCountry,status
                XA-DOC-1187,XA1234567,P,XA,stolen blank passport
                XA-DOC-1188,XB7654321,I,XB,lost identity card
                """),
            (0, .phone, "reference,number,note\nXA-TEL-0031,+99 555 0101 77,burner phone seen in case XA-2026-0042\n"),
            (2, .person, """
                reference,name,dateOfBirth,nationality,dataSubjectCategory
                XC-PER-0090,Viktor Aleksandrovich Morozov,1971-03-14,XB,convicted
                XC-PER-0091,Youssef Abd al-Karim Haddad,1983,XA,convicted
                """),
            (2, .bankAccount, "reference,iban,holder\nXC-ACC-0007,DE89 3704 0044 0532 0130 00,Grey Lane Logistics LLC\n"),
        ]
        for (index, category, text) in files {
            try await NodeServices.with(dataDirectory: directories[index], databaseURL: nil) { node in
                let service = node.hits
                guard try await service.counts()[category, default: 0] == 0 else { return }
                _ = try await service.importFile(text, category: category, replaceAll: false, actor: "demo")
            }
        }
    }

    /// Registers an item of evidence at the first agency, with a short chain of custody, on first start.
    func seedEvidence(directory: String) async throws {
        try await NodeServices.with(dataDirectory: directory, databaseURL: nil) { node in
            let service = node.evidence
            guard try await service.store.items(limit: 1).isEmpty else { return }
            let now = Date()
            let item = try await service.register(.init(
                caseRef: "XA-2026-0042", description: "Tobacco sample from the grey van XA-123-BC", kind: .physical, collectedBy: "Sgt. Marta Dias",
                collectedAt: now.addingTimeInterval(-7_200), location: "Northern crossing, E19, lane 3",
                legalAuthority: "Aldorian Code of Criminal Procedure, Art. 12 (search of vehicles)", purpose: "investigation"
            ), by: "demo")
            _ = try await service.addEvent(item.item.id, .init(action: .sealed, actor: "Sgt. Marta Dias", time: now.addingTimeInterval(-6_600), place: "Northern crossing, evidence van", purpose: "preservation; seal no. 0042-17", recipient: nil), by: "demo")
            _ = try await service.addEvent(item.item.id, .init(action: .transferred, actor: "Sgt. Marta Dias", time: now.addingTimeInterval(-3_600), place: "Aldoria forensic laboratory", purpose: "analysis of contents", recipient: "Dr. Ines Kovac, forensic laboratory"), by: "demo")
        }
    }

    /// One case at each agency on first start: the police case the demo's threads, evidence and
    /// searches run under, and the customs and prosecution cases that name its reference.
    func seedCases(directories: [String]) async throws {
        let cases: [(reference: String, title: String, summary: String, categories: [OffenceCategory], lead: String, team: [String], legalBasis: String, partners: [String])] = [
            ("XA-2026-0042", "Undeclared tobacco in a grey van across the northern border",
             "A grey van, XA-123-BC, crosses into Borvia at night and is declared empty; we suspect cigarettes for the black market and the money behind them.",
             [.fraud, .criminalOrganisation], "investigator", ["analyst", "liaison-officer"], "Aldorian Code of Criminal Procedure, Art. 8 (investigation)", []),
            ("XB-2026-0107", "Grey van XA-123-BC: undeclared goods at the E19 post",
             "Aldorian police report a van we have on record twice; inspection planned at its next entry.",
             [.fraud], "investigator", ["analyst"], "Borvian Customs Code, Art. 44", ["XA-2026-0042"]),
            ("XC-2026-0031", "Bank records in Caldera for the Aldorian tobacco case",
             "Guidance on a European Investigation Order for bank records; recognition and execution if one is issued.",
             [.fraud, .moneyLaundering], "judicial-authority", ["investigator"], "Directive 2014/41/EU; Calderan Code of Criminal Procedure, Art. 101", ["XA-2026-0042"]),
        ]
        for (directory, item) in zip(directories, cases) {
            try await NodeServices.with(dataDirectory: directory, databaseURL: nil) { node in
                guard try await node.cases.store.find(item.reference) == nil else { return }
                let lead = Principal(userID: "demo", username: item.lead, role: Role(rawValue: item.lead) ?? .investigator)
                _ = try await node.cases.open(.init(
                    reference: item.reference, title: item.title, summary: item.summary, offenceCategories: item.categories.map(\.rawValue), lead: item.lead,
                    team: item.team, legalBasis: item.legalBasis, retention: RetentionClass.standard.rawValue, partnerReferences: item.partners
                ), principal: lead)
            }
        }
    }

    /// One joint investigation team of the three agencies on first start, signed by all three,
    /// with a few contributions from each; the nodes replicate them to each other once they run.
    func seedJointTeam(directories: [String]) async throws {
        func principal(_ role: Role) -> Principal { Principal(userID: "demo", username: role.rawValue, role: role) }
        let now = Date()
        var signed: SignedJITAgreement?
        try await NodeServices.with(dataDirectory: directories[0], databaseURL: nil) { node in
            guard try await node.jits.store.spaces().isEmpty else { return }
            let view = try await node.jits.propose(JITProposal(
                name: "JIT Northern Tobacco", purpose: "Dismantle the network that smuggles cigarettes across the northern border, and trace and freeze its proceeds.",
                parties: [.init(agency: "XA-POL", leader: "Chief Insp. Mara Lind"), .init(agency: "XB-CUS", leader: "Insp. Dana Vos"), .init(agency: "XC-PRO", leader: "Prosecutor Ilse Brandt")],
                statesOfOperation: ["XA", "XB"], members: [.init(agency: "XB-CUS", name: "Insp. Dana Vos", seconded: true)],
                participants: [.init(kind: .eurojust, name: "Eurojust national desk XA")], validFrom: now.addingTimeInterval(-86_400), validUntil: now.addingTimeInterval(180 * 86_400),
                operationalActionPlan: "Joint surveillance of the E19 crossing; financial analysis of the importers; coordinated searches once the route is mapped.",
                informationRules: "Information shared in the team is used for its purpose; any other use needs the providing party's consent.",
                evidenceRules: "Evidence is gathered under the law of the state of operation and exchanged with its chain of custody.", disposition: .keepReadOnly
            ), principal: principal(.supervisor), send: false)
            signed = try await node.jits.signedAgreement(view.id)
        }
        guard var agreement = signed, let id = try? agreement.agreement().id else { return }
        for index in 1..<3 {
            try await NodeServices.with(dataDirectory: directories[index], databaseURL: nil) { node in
                try await node.jits.adopt(agreement, from: "XA-POL")
                _ = try await node.jits.sign(id, principal: principal(.supervisor), send: false)
                agreement = try await node.jits.signedAgreement(id)
            }
        }
        let contributions: [[JITContributionInput]] = [
            [.init(kind: "note", title: "Grey van XA-123-BC crosses at night", text: "Patrols saw the van cross into Borvia at 03:10 on three nights in November.", entity: nil, task: nil, supersedes: nil),
             .init(kind: "decision", title: "Joint surveillance of the E19 crossing from 1 December", text: "Agreed at the kick-off meeting.", entity: nil, task: nil, supersedes: nil)],
            [.init(kind: "task", title: "Inspect the van at its next entry", text: "", entity: nil, task: .init(owner: "Insp. Dana Vos", agency: "XB-CUS", due: now.addingTimeInterval(14 * 86_400)), supersedes: nil)],
            [.init(kind: "minutes", title: "Kick-off meeting", text: "Parties agreed the action plan; Eurojust offered coordination; next meeting in four weeks.", entity: nil, task: nil, supersedes: nil)],
        ]
        for (index, directory) in directories.enumerated() {
            try await NodeServices.with(dataDirectory: directory, databaseURL: nil) { node in
                try await node.jits.takeSignatures(agreement.signatures, space: id, from: "XA-POL")
                for input in contributions[index] { _ = try await node.jits.contribute(id, input, principal: principal(index == 2 ? .judicialAuthority : .investigator), send: false) }
                if index == 0 {
                    // A shared file: the other nodes fetch its chunks at their first catch-up, and each download enters the ledger.
                    let log = "date,time,plate,direction,crossing\n2026-11-03,03:10,XA-123-BC,into XB,E19\n2026-11-11,03:12,XA-123-BC,into XB,E19\n2026-11-19,03:07,XA-123-BC,into XB,E19\n"
                    let body = AsyncStream<ByteBuffer> { continuation in
                        continuation.yield(ByteBuffer(string: log))
                        continuation.finish()
                    }
                    _ = try await node.jits.upload(id, name: "e19-crossings.csv", mediaType: "text/csv", title: "Night crossings of the grey van at E19", text: nil,
                                                   declaredLength: nil, body: body, principal: principal(.investigator))
                }
            }
        }
    }

    /// Two instruments of the Calderan prosecutor on first start, at different steps, so that a
    /// newcomer sees clocks running: a European Investigation Order for bank records to Borvian
    /// customs, received and acknowledged there (its recognition clock runs), and a European
    /// Arrest Warrant to the Aldorian police, received there. The reports travel over the exchange
    /// once the nodes run.
    func seedInstruments(directories: [String]) async throws {
        func principal(_ role: Role) -> Principal { Principal(userID: "demo", username: role.rawValue, role: role) }
        let today = InstrumentService.day(Date())
        let prosecutor: FormEntry = ["kind": .text("prosecutor"), "name": .text("Caldera Public Prosecutor's Office"), "officer": .text("Prosecutor Ilse Brandt"), "date": .text(today)]
        let eio = InstrumentDocument(form: "eio", language: "en", sections: [
            "A": [["issuingState": .text("XC"), "executingState": .text("XB")]],
            "C": [["measures": .list(["H4-bank-accounts", "H5-banking-operations"]), "description": .text("Identify the accounts of the importer and obtain their statements for March to October 2026.")]],
            "E": [["type": .text("legal"), "name": .text("Nordlys Trading Oy"), "nationality": .text("XB"), "status": .text("suspect")]],
            "F": [["proceedings": .text("criminal")]],
            "G": [["facts": .text("Proceeds of cigarettes smuggled across the northern border were paid to a Borvian importer and moved on to Caldera."),
                   "legalClassification": .text("Money laundering, Calderan Criminal Code s. 261"), "offenceCategory": .text(OffenceCategory.moneyLaundering.rawValue),
                   "maximumPenaltyMonths": .text("120")]],
            "H4": [["holder": .text("Nordlys Trading Oy"), "institutions": .list(["Borvia Savings Bank"]), "reasons": .text("The importer received the payments for the smuggled goods.")]],
            "H5": [["accounts": .list(["XB12 3456 7890 1234 56"]), "from": .text("2026-03-01"), "to": .text("2026-10-31"), "reasons": .text("The transfers on to Caldera.")]],
            "K": [prosecutor],
        ])
        let eaw = InstrumentDocument(form: "eaw", language: "en", sections: [
            "a": [["name": .text("DOE"), "forenames": .text("Jonas"), "dateOfBirth": .text("1984-03-02"), "nationality": .text("XA"), "sex": .text("male"), "residence": .text("Believed to live in northern Aldoria.")]],
            "b": [["arrestWarrant": .text("Arrest warrant of the Caldera investigating judge, ref. XC-IJ-2026-0031")]],
            "c": [["purpose": .text("prosecution"), "maximumPenaltyMonths": .text("120")]],
            "d": [["appearedInPerson": .text("yes")]],
            "e": [["offences": .text("1"), "facts": .text("Organised the payments for cigarettes smuggled across the northern border and their laundering through a Borvian importer."),
                   "legalClassification": .text("Money laundering, Calderan Criminal Code s. 261"), "offenceCategory": .text(OffenceCategory.moneyLaundering.rawValue)]],
            "i": [prosecutor],
        ])
        var transfers: [(index: Int, transfer: InstrumentTransfer)] = []
        try await NodeServices.with(dataDirectory: directories[2], databaseURL: nil) { node in
            guard try await node.instruments.store.count(direction: .outgoing) == 0 else { return }
            let judge = principal(.judicialAuthority)
            for (kind, document, target) in [(InstrumentKind.eio, eio, 1), (.eaw, eaw, 0)] {
                let draft = try await node.instruments.draft(
                    .init(kind: kind.rawValue, executor: target == 0 ? "XA-POL" : nil, caseReference: "XC-2026-0031", document: document), principal: judge
                )
                _ = try await node.instruments.step(draft.instrument.id, .init(action: "validate"), principal: judge)
                var transmit = InstrumentService.Stepping(action: "transmit")
                if kind == .eaw {
                    // Aldoria's surrender chamber asks for a certified translation (the directory says so).
                    let text = "Mandat d'arrêt européen XC-IJ-2026-0031 — traduction certifiée conforme de l'original anglais.\nPersonne recherchée : Jonas DOE, né le 2 mars 1984.\n"
                    let address = try await node.messageService.blobs.put(Data(text.utf8), at: Date())
                    transmit.translation = .init(sha256: address, name: "mandat-d-arret-fr.txt", mediaType: "text/plain", language: "fr")
                }
                let sent = try await node.instruments.step(draft.instrument.id, transmit, principal: judge)
                guard let last = sent.instrument.history.last else { continue }
                transfers.append((target, InstrumentTransfer(of: sent.instrument, step: last, withDocument: true)))
            }
        }
        // Received at once (the transmission message, delivered once the nodes run, then changes
        // nothing); Borvia acknowledges the EIO.
        for (index, transfer) in transfers {
            try await NodeServices.with(dataDirectory: directories[index], databaseURL: nil) { node in
                try await node.instruments.inbox.apply(transfer, from: "XC-PRO")
                if transfer.kind == .eio {
                    _ = try await node.instruments.step(transfer.id, .init(action: "acknowledge"), principal: principal(.judicialAuthority))
                }
            }
        }
    }

    /// Queues a few message threads on first start; they are delivered once the nodes run.
    func seedThreads(directories: [String]) async throws {
        func service(_ index: Int, _ body: (MessageService) async throws -> Void) async throws {
            try await NodeServices.with(dataDirectory: directories[index], databaseURL: nil) { node in
                guard try await node.messages.count(box: .outbox) == 0 else { return }
                try await body(node.messageService)
            }
        }
        let basis = "Council Framework Decision 2006/960/JHA"
        var first: MessageRecord?
        try await service(0) { police in
            first = try await police.send(MessageRequest(
                to: ["XB-CUS"], subject: "Grey van XA-123-BC at the northern crossing",
                body: "Our patrol saw a grey van, registration XA-123-BC, cross into Borvia at 03:10 on the E19. We suspect it carries undeclared tobacco. Do you hold records on this vehicle?",
                entities: [MessageEntity(id: "veh-xa-123-bc", schema: "Vehicle", properties: ["registrationNumber": ["XA-123-BC"], "color": ["grey"]], dataSubjectCategory: .suspect, nature: .fact)],
                purpose: "investigation", legalBasis: basis, handlingCode: .h2, handlingRestriction: nil,
                evaluation: Evaluation(source: .b, information: .two), caseRef: "XA-2026-0042", inReplyTo: nil, retainUntil: nil
            ), actor: "demo", principal: nil).sentRecord()
            _ = try await police.send(MessageRequest(
                to: ["XC-PRO"], subject: "Case XA-2026-0042: request for guidance on a European Investigation Order",
                body: "We expect to need bank records held in Caldera. Could your office advise on the evidence you would need for an EIO?",
                entities: [MessageEntity(id: "person-j-doe", schema: "Person", properties: ["name": ["Jonas Doe"], "birthDate": ["1984-03-02"]], dataSubjectCategory: .suspect, nature: .assessment)],
                purpose: "prosecution", legalBasis: "Directive 2014/41/EU", handlingCode: .h1, handlingRestriction: nil,
                evaluation: Evaluation(source: .b, information: .three), caseRef: "XA-2026-0042", inReplyTo: nil, retainUntil: nil
            ), actor: "demo", principal: nil)
        }
        guard let first else { return }
        try await service(1) { customs in
            _ = try await customs.send(MessageRequest(
                to: ["XA-POL"], subject: "Re: Grey van XA-123-BC at the northern crossing",
                body: "The van was declared empty at our post at 03:25. We have two earlier crossings on record and will inspect it at its next entry.",
                entities: nil, purpose: "investigation", legalBasis: basis, handlingCode: .h2, handlingRestriction: nil,
                evaluation: Evaluation(source: .a, information: .one), caseRef: "XA-2026-0042", inReplyTo: first.message.id, retainUntil: nil
            ), actor: "demo", principal: nil)
        }
    }

    /// Builds and runs the three nodes in one `ServiceGroup` until SIGINT or SIGTERM.
    /// - Parameter onReady: called once every node listens.
    package func run(onReady: @escaping @Sendable () -> Void = {}) async throws {
        let ready = ReadyCounter(expected: agencies.count, onReady: onReady)
        var services: [any Service] = []
        for (index, agency) in agencies.enumerated() {
            var configuration = NodeConfiguration(dataDirectory: URL(fileURLWithPath: dataDirectory).appendingPathComponent(agency.directory).path)
            configuration.port = basePort + index
            configuration.federationPort = basePort + index + Self.federationOffset
            // The demo's nodes start together: JIT spaces catch up within seconds.
            configuration.jitCatchUpInterval = .seconds(10)
            configuration.secureCookies = false  // plain HTTP on loopback: browsers drop Secure cookies there
            configuration.bcryptCost = 10
            let app = try await buildApplication(configuration: configuration) { _ in await ready.arrived() }
            services.append(app.application)
        }
        let group = ServiceGroup(configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: Logger(label: "liaison.demo")))
        try await group.run()
    }

    /// 18 characters from an alphabet without look-alikes (no 0/O, 1/l/I).
    static func password() -> String {
        let alphabet = Array("abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789")
        var generator = SystemRandomNumberGenerator()
        return String((0..<18).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &generator)] })
    }
}

private actor ReadyCounter {
    var remaining: Int
    let onReady: @Sendable () -> Void

    init(expected: Int, onReady: @escaping @Sendable () -> Void) {
        self.remaining = expected
        self.onReady = onReady
    }

    func arrived() {
        remaining -= 1
        if remaining == 0 { onReady() }
    }
}
