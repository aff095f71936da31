"""The credit bank (学分银行, issue 8; rule 9 of domain.md): an issued X certificate becomes a learning
outcome in its holder's learning account and can convert into credits of an academic programme.

How it fits (layers: credit_bank sits above certificates and assessments, beside fees, and imports
neither fees nor anything above it):

- Outcomes come from issuance through the documented hooks of ``certificates.hooks``
  (``certificates_issued``, one call per issued chunk, and ``certificate_revoked``/``_reissued``,
  connected in ``CreditBankConfig.ready()``) AND
  through the beat task ``credit_bank.sweep_outcomes`` (scheduled by migration 0002), which records
  outcomes for issued certificates that have none and follows revocations and reissues the hooks
  missed. ``Outcome.issued`` is one-to-one, so each certificate is one outcome however often either
  path runs. The learning account (``LearningAccount``, one per ``accounts.Person``) opens with the
  first outcome.
- The catalog of recognized outcomes (``RecognizedOutcome``) gives each certificate level its credit
  value, versioned and audited (``credit.catalog_changed``); only the ministry changes it. Where the
  ministry has set nothing, the level's default applies and is written as version 1 the first time an
  outcome needs it. Defaults: 初级 2, 中级 4, 高级 6 学分 — the size of one, two and three typical
  two-credit courses (a credit is commonly 16–18 class hours in vocational programmes), growing with
  the level; the ministry adjusts them per certificate (ceiling 16). Outcomes keep the credits (and
  catalog version) they were recognized with.
- Conversion rules (``ConversionRule`` + ``ConversionRuleVersion``): an institution (or its
  alliance, for a member) says, per major it runs — majors are those its enrolments name — which
  certificate level converts into which course (code, name, credits, course type). A change is a new
  version; requests keep the version they were made under. Limits (``ConversionPolicy``, per
  institution, defaults when unset): at most N certificates credited per course (default 1), at most
  M credits per certificate across its courses (default 8), and never more than the outcome's
  recognized credits. A rule's course credits must fit under both the institution's M and the
  catalog value.
- Conversion requests (``Conversion``): the student asks the institution of their enrolment; it
  approves (recording the converted credits, the rule's course credits or fewer) or declines with a
  reason; the student may withdraw a pending request; the institution may annul approved credits.
  Limits are checked on request (counting open requests) and again on approval, under a row lock on
  the account. Revoking the certificate marks the outcome revoked and flags the open conversions on
  it (the institution's to-do). Audit codes: ``credit.account_opened``, ``credit.outcome_recorded``,
  ``credit.outcome_revoked``, ``credit.outcome_updated``, ``credit.catalog_changed``,
  ``credit.policy_changed``, ``credit.rule_created``/``_changed``/``_withdrawn``,
  ``credit.conversion_requested``/``_approved``/``_declined``/``_withdrawn``/``_annulled``,
  ``credit.transcript_issued``/``_withdrawn``.
- Transcripts (``Transcript``): a snapshot of the account, rendered by WeasyPrint with an embedded
  CJK font (credit_bank/pdf.py) and signed with the platform's issuing key through
  certificates.signing; asked again while nothing changed, the same transcript comes back. Its share
  link (an unguessable token) opens a public page with the content as issued and says whether the
  account changed or a certificate on it was revoked since; the student can stop sharing it.
- Statistics: outcomes by the province the certificate was assessed in, conversions by the
  institution's province; by certificate level; by major. The ministry sees the nation, a province
  its own; every table exports to XLSX.

Who sees what (decided in credit_bank.selectors; personal fields as accounts.personal_data says):

| data | the student | institution (alliance: members) | province | ministry | public |
| --- | --- | --- | --- | --- | --- |
| account, outcomes | own | its enrolled students' | assessed in the province | all | — |
| ID number | full | full (the alliance: masked) | masked | masked | never |
| rules, limits | rules of their majors (to ask) | own (write) | its institutions' (read) | all (read) | — |
| conversion requests | own | addressed to it (decide) | its institutions' (read) | all (read) | — |
| transcript PDF | own (ID masked on it) | — | — | — | — |
| shared transcript | — | — | — | — | name masked (张*三), no ID, via token |
"""
