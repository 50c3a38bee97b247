"""Channel-neutral dialogs: intake wizard, claim/finish, confirm/dispute, lists, help."""
