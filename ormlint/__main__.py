from ormlint.cli import main

main()
