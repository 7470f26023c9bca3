"""The sync: what should be on each researcher's ORCID record, compared with the ledger, and
the calls that make ORCID match, with every outcome recorded in the ledger.

The modules, in the order a run goes through them:
- `load`: reads the ledger rows, each kind's local objects (putcodes.kinds) and the connection
  into the planner's plain inputs, for a batch of researchers at a time;
- `plan`: the pure planner (`item_action`: one item's action, `plan_build`: a researcher's
  plan), no database and no HTTP; tests/putcodes/test_plan.py is its table;
- `researcher`: one researcher under the record's lock (`researcher_sync`), and
  `researcher_withdraw_items`;
- `execute`: the ORCID calls and what each answer means (`ResearcherSync`);
- `ledger`: the OrcidItem state machine as named transitions (`item_mark_*`), the only code that
  sets an item's state, and the cheap bulk row writes;
- `runs`: a run's start, its fan-out (in-process thread pool or one Celery task per
  researcher) and its end; `totals`: its counts; `counts`: `SyncCounts`.

Per researcher (`researcher_sync`), under the record's lock (putcodes.locks):
  0. items whose last POST lost its answer (`outcome_unknown`) are reconciled first, by
     reading the record, before anything else is written for the researcher;
  1. items no longer eligible (un-approved, made private, removed by the unit) are deleted;
  2. items whose content changed (content hash) are updated;
  3. new eligible items are created, works through the bulk endpoint (≤ 100 per call).
Nothing else is called: a run with nothing to write makes no call at all, not even a read.

Put-codes are saved in the transaction that records the call's outcome. Before a POST the
items are marked `outcome_unknown` in their own transaction, so that even a crash between
the POST and the recording leaves a trail that the next run reconciles (never a duplicate).
"""
