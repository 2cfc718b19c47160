"""Inventory demo data of docs/api.md §23 and §34 (idempotent: matched by fixed id, code, name or sku).

Opening stock is recorded as IN movements (``OPENING-BALANCE``, their balance the quantity) by the
seeded admin, and every seeded reserved quantity is backed by an ACTIVE ``DEMO-SEED`` reservation
expiring in a year, so the ledger, balance and reservation invariants hold from the start. The
second demo seller is assigned to ST-DT only; the stock alerts the seeded rows call for are opened
(no e-mail: nobody is waiting for one at setup). ``transfers=True`` dispatches the optional example
transfer through the transfer service."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from inventory_app.models import (
    Branch,
    BranchAssignment,
    Category,
    InventoryItem,
    MovementType,
    ReservationStatus,
    SellerGrant,
    StockLevel,
    StockMovement,
    StockReservation,
    StockTransfer,
)
from inventory_app.services import alerts_sync, transfer_dispatch

BRANCHES = [
    # code, name, address, city, phone, email, manager
    ("WH-MAIN", "Main Warehouse", "123 Industrial Ave", "Phnom Penh", "+855123456789",
     "warehouse.main@natjoub.com", "Sopheak Chan"),
    ("ST-DT", "Downtown Store", "456 Monivong Blvd", "Phnom Penh", "+855987654321",
     "store.downtown@natjoub.com", "Sreymom Keo"),
    ("BR-NORTH", "North Branch", "789 Russian Blvd", "Phnom Penh", "+855111222333",
     "branch.north@natjoub.com", "Virak Phal"),
    ("BR-SR", "Siem Reap Branch", "321 Airport Rd", "Siem Reap", "+855444555666",
     "branch.siemreap@natjoub.com", "Dara Mom"),
]  # fmt: skip
ROOT_CATEGORIES = [
    ("11111111-1111-1111-1111-111111111111", "Electronics", "Electronic devices and accessories"),
    ("22222222-2222-2222-2222-222222222222", "Furniture", "Office and home furniture"),
    ("33333333-3333-3333-3333-333333333333", "Office Supplies", "Stationery and office equipment"),
    ("44444444-4444-4444-4444-444444444444", "Clothing", "Apparel and accessories"),
]
CHILD_CATEGORIES = [
    ("Electronics", "Computers", "Laptops, desktops, and accessories"),
    ("Electronics", "Mobile Phones", "Smartphones and tablets"),
    ("Electronics", "Audio Equipment", "Headphones, speakers, and microphones"),
    ("Furniture", "Desks", "Office and study desks"),
    ("Furniture", "Chairs", "Office and dining chairs"),
    ("Furniture", "Storage", "Cabinets and shelving units"),
]
ITEMS = [
    # sku, name, category, uom, price, reorder level, reorder qty, barcode, description
    ("ELEC-LAP-001", "Dell Latitude 5420 Laptop", "Electronics", "piece", "899.99", 5, 10, "123456789001",
     '14" Intel Core i5, 8GB RAM, 256GB SSD'),
    ("ELEC-MON-001", 'Samsung 24" LED Monitor', "Electronics", "piece", "159.99", 10, 20, "123456789002",
     "Full HD 1080p display"),
    ("ELEC-KEY-001", "Logitech Wireless Keyboard", "Electronics", "piece", "49.99", 15, 30, "123456789003",
     "Bluetooth keyboard with number pad"),
    ("ELEC-MOU-001", "Logitech MX Master Mouse", "Electronics", "piece", "79.99", 15, 25, "123456789004",
     "Wireless ergonomic mouse"),
    ("FURN-DSK-001", "Office Desk - L-Shape", "Furniture", "piece", "349.99", 3, 5, "123456789011",
     '60" x 48" L-shaped desk with cable management'),
    ("FURN-CHR-001", "Ergonomic Office Chair", "Furniture", "piece", "189.99", 5, 10, "123456789012",
     "Adjustable height with lumbar support"),
    ("FURN-CAB-001", "Filing Cabinet 3-Drawer", "Furniture", "piece", "129.99", 5, 8, "123456789013",
     "Metal filing cabinet with lock"),
    ("OFFC-PEN-001", "Ballpoint Pen Blue", "Office Supplies", "pack", "5.99", 50, 100, "123456789021",
     "Pack of 12 ballpoint pens"),
    ("OFFC-NBK-001", "A4 Spiral Notebook", "Office Supplies", "piece", "3.99", 30, 50, "123456789022",
     "200 pages ruled notebook"),
    ("OFFC-PRT-001", "A4 Printing Paper", "Office Supplies", "ream", "8.99", 20, 50, "123456789023",
     "Ream of 500 sheets"),
    ("OFFC-STP-001", "Stapler Standard", "Office Supplies", "piece", "12.99", 10, 20, "123456789024",
     "Heavy duty stapler"),
    ("CLTH-TSH-001", "Company T-Shirt - Black", "Clothing", "piece", "19.99", 25, 50, "123456789031",
     "Cotton t-shirt with logo"),
    ("CLTH-PLO-001", "Polo Shirt - Navy", "Clothing", "piece", "29.99", 20, 40, "123456789032",
     "Professional polo shirt"),
    ("CLTH-JAC-001", "Fleece Jacket", "Clothing", "piece", "49.99", 15, 30, "123456789033",
     "Warm fleece jacket with zipper"),
]  # fmt: skip
STOCK = [
    # branch code, sku, quantity, reserved
    ("WH-MAIN", "ELEC-LAP-001", 100, 0),
    ("WH-MAIN", "ELEC-MON-001", 150, 5),
    ("WH-MAIN", "ELEC-KEY-001", 200, 10),
    ("WH-MAIN", "FURN-DSK-001", 80, 0),
    ("WH-MAIN", "OFFC-PEN-001", 500, 50),
    ("ST-DT", "ELEC-LAP-001", 25, 2),
    ("ST-DT", "ELEC-MON-001", 40, 3),
    ("ST-DT", "FURN-CHR-001", 15, 0),
    ("ST-DT", "CLTH-TSH-001", 100, 5),
    ("BR-NORTH", "ELEC-LAP-001", 10, 1),
    ("BR-NORTH", "ELEC-KEY-001", 20, 2),
    ("BR-NORTH", "OFFC-NBK-001", 50, 5),
    ("BR-NORTH", "CLTH-PLO-001", 30, 0),
]
OPENING_REFERENCE, OPENING_NOTES = "OPENING-BALANCE", "Opening balance"
RESERVATION_REFERENCE = "DEMO-SEED"
RESERVATION_LIFETIME = timedelta(days=365)
# §34: the second demo seller (auth_app.seed creates her) works at the downtown store only.
ASSIGNMENTS = [("dddddddd-dddd-dddd-dddd-dddddddddddd", "ST-DT")]
# §40: the first demo seller has an all-branches grant (without one a seller acts on no branch, §36).
GRANTS = ["bbbbbbbb-bbbb-bbbb-bbbb-bbbbbbbbbbbb"]
DEMO_TRANSFER = {"from": "BR-NORTH", "to": "BR-SR", "sku": "OFFC-NBK-001", "quantity": 5, "reference": "DEMO-TRANSFER"}


@dataclass
class SeedReport:
    branches: int = 0
    categories: int = 0
    items: int = 0
    stock_levels: int = 0
    movements: int = 0
    reservations: int = 0
    assignments: int = 0
    grants: int = 0
    alerts: int = 0
    transfers: int = 0

    def lines(self) -> list[str]:
        return [
            f"Branches created: {self.branches}",
            f"Categories created: {self.categories}",
            f"Inventory items created: {self.items}",
            f"Stock levels created: {self.stock_levels}",
            f"Opening-balance movements created: {self.movements}",
            f"Reservations created: {self.reservations}",
            f"Branch assignments created: {self.assignments}",
            f"All-branches grants created: {self.grants}",
            f"Stock alerts opened: {self.alerts}",
            f"Transfers dispatched: {self.transfers}",
        ]


def _categories(report: SeedReport) -> dict[str, Category]:
    by_name: dict[str, Category] = {}
    for category_id, name, description in ROOT_CATEGORIES:
        category = Category.objects.filter(pk=category_id).first() or Category.objects.filter(name=name).first()
        if category is None:
            category = Category.objects.create(
                id=uuid.UUID(category_id), name=name, description=description, is_active=True
            )
            report.categories += 1
        by_name[name] = category
    for parent, name, description in CHILD_CATEGORIES:
        category = Category.objects.filter(name=name).first()
        if category is None:
            category = Category.objects.create(
                name=name, description=description, parent_category=by_name[parent], is_active=True
            )
            report.categories += 1
        by_name[name] = category
    return by_name


@transaction.atomic
def seed_inventory(*, admin_id: uuid.UUID | None, transfers: bool = False) -> SeedReport:
    """Create what is missing of §23's and §34's inventory data; never duplicate."""
    report = SeedReport()
    now = timezone.now()
    branches: dict[str, Branch] = {}
    for code, name, address, city, phone, email, manager in BRANCHES:
        branch, created = Branch.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "address": address,
                "city": city,
                "country": "Cambodia",
                "phone_number": phone,
                "email": email,
                "manager_name": manager,
                "is_active": True,
            },
        )
        report.branches += created
        branches[code] = branch
    categories = _categories(report)
    items: dict[str, InventoryItem] = {}
    for sku, name, category, uom, price, level, quantity, barcode, description in ITEMS:
        item, created = InventoryItem.objects.get_or_create(
            sku=sku,
            defaults={
                "name": name,
                "description": description,
                "category": categories[category],
                "unit_of_measure": uom,
                "unit_price": Decimal(price),
                "reorder_level": level,
                "reorder_quantity": quantity,
                "barcode": barcode,
                "image_url": None,
                "is_active": True,
            },
        )
        report.items += created
        items[sku] = item
    for code, sku, quantity, reserved in STOCK:
        item, branch = items[sku], branches[code]
        if StockLevel.objects.filter(inventory_item=item, branch=branch).exists():
            continue
        StockLevel.objects.create(
            inventory_item=item, branch=branch, quantity=quantity, reserved_quantity=reserved, last_counted_at=now
        )
        StockMovement.objects.create(
            inventory_item=item,
            to_branch=branch,
            movement_type=MovementType.IN,
            quantity=quantity,
            unit_price=None,
            reference_number=OPENING_REFERENCE,
            notes=OPENING_NOTES,
            performed_by=admin_id,
            created_at=now,
            to_balance_after=quantity,
        )
        report.stock_levels += 1
        report.movements += 1
        if reserved:
            StockReservation.objects.create(
                inventory_item=item,
                branch=branch,
                quantity=reserved,
                status=ReservationStatus.ACTIVE,
                reference_number=RESERVATION_REFERENCE,
                expires_at=now + RESERVATION_LIFETIME,
                created_by=admin_id,
                created_at=now,
            )
            report.reservations += 1
    report.assignments = _assignments(branches, admin_id)
    report.grants = _grants(admin_id)
    report.alerts = len(alerts_sync(notify=False))  # every stock row
    if transfers:
        report.transfers = _demo_transfer(branches, items, admin_id)
    return report


def _assignments(branches: dict[str, Branch], admin_id: uuid.UUID | None) -> int:
    created = 0
    for user_id, code in ASSIGNMENTS:
        _, made = BranchAssignment.objects.get_or_create(
            user_id=user_id, branch=branches[code], defaults={"created_by": admin_id}
        )
        created += made
    return created


def _grants(admin_id: uuid.UUID | None) -> int:
    created = 0
    for user_id in GRANTS:
        _, made = SellerGrant.objects.get_or_create(user_id=user_id, defaults={"granted_by": admin_id})
        created += made
    return created


def _demo_transfer(branches: dict[str, Branch], items: dict[str, InventoryItem], admin_id: uuid.UUID | None) -> int:
    """The optional example transfer of §34 (once: matched by its reference number)."""
    if StockTransfer.objects.filter(reference_number=DEMO_TRANSFER["reference"]).exists():
        return 0
    transfer_dispatch(
        from_branch_id=branches[DEMO_TRANSFER["from"]].pk,
        to_branch_id=branches[DEMO_TRANSFER["to"]].pk,
        lines=[{"inventory_item_id": items[DEMO_TRANSFER["sku"]].pk, "quantity": DEMO_TRANSFER["quantity"]}],
        dispatched_by=admin_id,
        reference_number=DEMO_TRANSFER["reference"],
    )
    return 1


def demo_seeder(ctx) -> list[str]:
    """The inventory part of ``seed_demo`` (after the accounts: assignments name the demo sellers)."""
    return seed_inventory(admin_id=ctx.values.get("admin_id"), transfers=bool(ctx.options.get("transfers"))).lines()
