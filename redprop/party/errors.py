import enum


class PartyError(enum.StrEnum):
    BRANCH_TOO_FEW = "party_branch_too_few_members"
    BRANCH_EXISTS = "party_branch_exists"
    PROPOSAL_PENDING = "party_proposal_pending"
    NO_COMMITTEE = "party_no_committee"
    NOT_A_PROJECT = "party_not_a_project"
    ALREADY_MEMBER = "party_already_member"
    CONSENT_EXISTS = "party_consent_exists"
    NO_CONSENT = "party_no_consent"
    CONSENT_EVIDENCE = "party_consent_evidence_required"
    REASON_REQUIRED = "party_reason_required"
    BAD_POST = "party_bad_post"
    BAD_APPOINTMENT = "party_bad_appointment"
    BAD_SUPERVISION = "party_bad_supervision"
    BAD_DEADLINE = "party_bad_deadline"
    BAD_OPINION = "party_bad_opinion"
    INVALID_TRANSITION = "party_invalid_transition"
    UNKNOWN_SOURCE = "party_unknown_source"
