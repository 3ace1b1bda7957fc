# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Work lines were all billed before they had an execution state: the lines
that were not protocol steps, and every line of a finished job, are work
done. Protocol steps not ticked on open jobs stay planned.

Credit notes of a closed contract carry its period too: the unique index of
contract periods now includes the move type (created again by the ORM)."""


def migrate(cr, version):
    if not version:
        return
    cr.execute("DROP INDEX IF EXISTS account_move__service_contract_period_uniq")
    cr.execute(
        """
        UPDATE service_intervention_line line
           SET done = TRUE
          FROM service_intervention job
         WHERE job.id = line.intervention_id
           AND line.done IS NOT TRUE
           AND (line.protocol_step_id IS NULL
                OR job.state IN ('done', 'cancelled'))
        """
    )
