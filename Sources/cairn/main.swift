CairnCommand.main()
