from qualcert.cli import main

main()
