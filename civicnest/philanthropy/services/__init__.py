"""Every write of the funding chain, by subdomain: `funds` (funds, ledger, receipts), `calls` (programs,
proposals, reviews, publishing, subscriptions), `tenders` (政府购买服务), `contracts` (contracts, tranches,
refunds, reports, evaluation, the end of a project). Each step is guarded by its table in
`philanthropy/workflows.py`. Reads live in `philanthropy/selectors.py` (re-exported here where callers
have always found them); parsing of form input in `philanthropy/forms.py`."""

from __future__ import annotations

from civicnest.philanthropy.selectors import (
    eligibility_problems,
    fund_totals,
    project_commitment,
    project_money,
)
from civicnest.philanthropy.services.base import CENT, MAX_MONEY, money
from civicnest.philanthropy.services.calls import (
    conflict_declare,
    expert_assign,
    program_advance,
    program_create,
    project_publish,
    proposal_check_eligibility,
    proposal_save,
    proposal_shortlist,
    proposal_submit,
    review_submit,
    subscription_create,
    weighted_total,
)
from civicnest.philanthropy.services.contracts import (
    CONCLUSIONS,
    EXPERT_WEIGHT,
    SELF_WEIGHT,
    conclusion_for,
    contract_sign,
    evaluation_expert_submit,
    evaluation_self_submit,
    project_result_publish,
    project_terminate,
    refund_record,
    report_submit,
    tranche_add,
    tranche_disburse,
)
from civicnest.philanthropy.services.funds import (
    donation_record,
    fund_create,
    issue_receipt,
    post_entry,
    receipt_void,
)
from civicnest.philanthropy.services.tenders import (
    bid_score,
    bid_submit,
    tender_award,
    tender_open,
)

_post = post_entry  # the ledger's one writer, under the name the property tests call

__all__ = [
    "CENT",
    "CONCLUSIONS",
    "EXPERT_WEIGHT",
    "MAX_MONEY",
    "SELF_WEIGHT",
    "bid_score",
    "bid_submit",
    "conclusion_for",
    "conflict_declare",
    "contract_sign",
    "donation_record",
    "eligibility_problems",
    "evaluation_expert_submit",
    "evaluation_self_submit",
    "expert_assign",
    "fund_create",
    "fund_totals",
    "issue_receipt",
    "money",
    "post_entry",
    "program_advance",
    "program_create",
    "project_commitment",
    "project_money",
    "project_publish",
    "project_result_publish",
    "project_terminate",
    "proposal_check_eligibility",
    "proposal_save",
    "proposal_shortlist",
    "proposal_submit",
    "receipt_void",
    "refund_record",
    "report_submit",
    "review_submit",
    "subscription_create",
    "tender_award",
    "tender_open",
    "tranche_add",
    "tranche_disburse",
    "weighted_total",
]
