"""``manage.py reconcile_stock``: check the ledger and reservation invariants (docs/api.md §23)."""

from django.core.management.base import BaseCommand, CommandError

from inventory_app.models import Branch, InventoryItem
from inventory_app.services import stock_reconcile
from inventory_app.services.holds import holder_violations


class Command(BaseCommand):
    help = (
        "Report every (item, branch) whose stock quantity differs from the signed sum of its movements, "
        "every stock row whose reserved quantity differs from the sum of its ACTIVE reservations, and every "
        "(item, branch) whose recorded ledger balances (fromBalanceAfter/toBalanceAfter) are not the running "
        "sum of its ledger, and the invariants of the apps holding stock (orders: docs/api.md §37.8, naming the "
        "order). Exits with status 1 when drift is found (unless --fix repaired all of it) or an invariant fails."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--fix",
            action="store_true",
            help=(
                "Repair drift: quantity drift gets an ADJUSTMENT movement (reference RECONCILE) that makes the "
                "ledger match the stored quantity; reserved drift sets the row's reserved quantity to the sum "
                "of its ACTIVE reservations when that does not exceed the quantity; balance drift recomputes the "
                "recorded balances of that (item, branch) from its ledger."
            ),
        )

    def handle(self, *args, fix=False, **options):
        drift = stock_reconcile(fix=fix)
        # Invariants of the apps that hold stock (orders, docs/api.md §37.8): reported, never fixed.
        violations = holder_violations()
        for problem in violations:
            self.stdout.write(self.style.WARNING(problem))
        if not drift:
            if violations:
                raise CommandError(f"{len(violations)} holder invariant violation(s)")
            self.stdout.write(self.style.SUCCESS("No drift: every stock row matches its ledger and reservations."))
            return
        skus = dict(InventoryItem.objects.filter(pk__in={d.inventory_item_id for d in drift}).values_list("pk", "sku"))
        codes = dict(Branch.objects.filter(pk__in={d.branch_id for d in drift}).values_list("pk", "code"))
        for d in drift:
            where = f"item {skus.get(d.inventory_item_id, '?')} ({d.inventory_item_id}) at branch " + (
                f"{codes.get(d.branch_id, '?')} ({d.branch_id})"
            )
            if d.kind == "quantity":
                text = f"QUANTITY DRIFT {where}: quantity {d.stored}, ledger {d.expected}"
            elif d.kind == "reserved":
                text = f"RESERVED DRIFT {where}: reserved {d.stored}, active reservations {d.expected}"
            else:
                recorded = "none" if d.stored is None else d.stored
                text = f"BALANCE DRIFT {where}: a movement recorded balance {recorded}, ledger {d.expected}"
            if fix:
                text += " -> fixed" if d.fixed else " -> NOT fixed (needs a manual correction)"
            self.stdout.write(self.style.WARNING(text))
        unfixed = [d for d in drift if not d.fixed]
        if violations:
            raise CommandError(f"{len(violations)} holder invariant violation(s), stock drift in {len(drift)} row(s)")
        if unfixed:
            raise CommandError(f"Stock drift found in {len(unfixed)} row(s)" + ("" if fix else "; run with --fix"))
        self.stdout.write(self.style.SUCCESS(f"Fixed {len(drift)} drifted row(s)."))
