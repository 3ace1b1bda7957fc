# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Credit notes of a closed contract carry its period too: the unique index
of contract periods now includes the move type (created again by the ORM)."""


def migrate(cr, version):
    cr.execute("DROP INDEX IF EXISTS account_move__service_contract_period_uniq")
