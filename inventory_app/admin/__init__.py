"""The inventory back office (registered by importing the modules below).

Stock never changes here except through the services: stock levels and movements are read-only
(also as the item's inline), movements are recorded with a form that calls the stock service,
reservations are released or committed with actions that call the services, and deletes of
branches and items go through the same in-use rules as the API. Categories are listed as a tree;
items, stock levels and movements export their filtered changelist as CSV. Transfers are dispatched,
received and cancelled through the transfer services; stock alerts are read-only; sellers' branch
assignments are edited on the branch page and on the seller's user page."""

from inventory_app.admin import assignments, catalog, stock, transfers  # noqa: F401 - registration side effects
